using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Federation.Auth;

/// <summary>What the auth rules read from a room's m.room.create event, parsed once per event.</summary>
internal sealed class CreateEventContent
{
    private static readonly ConditionalWeakTable<Pdu, CreateEventContent> Cache = [];

    private CreateEventContent(Pdu create)
    {
        // v11+ (MSC2175): the sender is the creator; before, content.creator names them.
        Creator = create.Version.ImplicitRoomCreator ? create.Sender : AuthEventSelection.StringAt(create.Content, "creator");

        // Synapse federates only when m.federate is absent or literally true; matching it keeps servers agreeing.
        CanFederate = !create.Content.TryGetPropertyValue("m.federate", out var federate)
            || (federate is JsonValue v && v.TryGetValue(out bool b) && b);

        var creators = new HashSet<string>(StringComparer.Ordinal) { create.Sender };
        if (create.Version.PrivilegedCreators && create.Content["additional_creators"] is JsonArray additional)
        {
            foreach (var entry in additional)
            {
                if (entry is JsonValue value && value.TryGetValue(out string? userId)) creators.Add(userId);
            }
        }

        Creators = creators;
    }

    /// <summary>The user who gets power level 100 while the room has no power levels event (v1–v11).</summary>
    public string? Creator { get; }

    /// <summary>v12: the sender and content.additional_creators, who have infinite power.</summary>
    public IReadOnlySet<string> Creators { get; }

    public bool CanFederate { get; }

    public static CreateEventContent Of(Pdu create) => Cache.GetValue(create, static pdu => new CreateEventContent(pdu));
}
