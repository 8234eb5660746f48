using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>What the local server wants to say in a new event; the builder adds format, hashes and signature.</summary>
public sealed record EventTemplate
{
    public required string Type { get; init; }
    public string? StateKey { get; init; }
    public required string Sender { get; init; }
    public required JsonObject Content { get; init; }

    /// <summary>The room; null only for a v12 create event, whose room ID derives from its event ID.</summary>
    public string? RoomId { get; init; }

    public IReadOnlyList<string> PrevEvents { get; init; } = [];
    public IReadOnlyList<string> AuthEvents { get; init; } = [];
    public required long Depth { get; init; }
    public required long OriginServerTs { get; init; }

    /// <summary>For m.room.redaction: written top-level before v11, into content from v11.</summary>
    public string? Redacts { get; init; }

    public JsonObject? Unsigned { get; init; }
}

/// <summary>Finds the reference hash (unpadded base64) of a referenced event, for v1/v2 [id, hashes] pairs.</summary>
public interface IReferenceHashLookup
{
    string? FindReferenceHash(string eventId);
}

/// <summary>Builds, hashes and signs this server's events in the format of the room version.</summary>
public sealed class EventBuilder(ServerName serverName, SigningKey signingKey)
{
    /// <exception cref="ArgumentException">The template does not fit the version (room_id on a v12 create, a foreign sender, ...).</exception>
    /// <exception cref="InvalidOperationException">A v1/v2 reference hash is unknown.</exception>
    /// <exception cref="PduValidationException">The result breaks the event format (e.g. it is over 64 KiB).</exception>
    public Pdu Build(RoomVersion version, EventTemplate template, IReferenceHashLookup? references = null)
    {
        if (!UserId.TryParse(template.Sender, out var sender, out _) || sender.Server != serverName)
        {
            throw new ArgumentException($"the sender must be a user of {serverName}", nameof(template));
        }

        var json = Unsigned(version, template, references);
        if (version.EventFormat == EventFormat.V1) json[PduKeys.EventId] = EventIds.Generate(serverName);
        if (template.Unsigned is not null) json[PduKeys.Unsigned] = template.Unsigned.DeepClone();

        var referenceHash = EventSigning.HashAndSign(json, version, serverName.Value, signingKey);
        // The ID from the signature's own encoding: the parser would redact and encode the event once more for it.
        return PduParser.Parse(json, version, EventIds.FromReferenceHash(referenceHash, version));
    }

    /// <summary>
    /// The event's fields without event ID, hashes, signatures or unsigned data: what a resident server
    /// offers another server's user as a make_join/make_leave/make_knock template, and what
    /// <see cref="Build"/> hashes and signs. The sender may be of any server.
    /// </summary>
    /// <exception cref="ArgumentException">room_id on a v12 create event, or none on another event.</exception>
    /// <exception cref="InvalidOperationException">A v1/v2 reference hash is unknown.</exception>
    public static JsonObject Unsigned(RoomVersion version, EventTemplate template, IReferenceHashLookup? references = null)
    {
        var isV12Create = version.RoomIdIsCreateEventHash && template.Type == EventTypes.Create && template.StateKey == "";
        if (isV12Create != (template.RoomId is null))
        {
            throw new ArgumentException(isV12Create ? "a v12 create event has no room_id" : "room_id is required", nameof(template));
        }

        var content = (JsonObject)template.Content.DeepClone();
        var json = new JsonObject
        {
            [PduKeys.Type] = template.Type,
            [PduKeys.Sender] = template.Sender,
            [PduKeys.Content] = content,
            [PduKeys.Depth] = Math.Min(template.Depth, PduParser.MaxDepth),
            [PduKeys.OriginServerTs] = template.OriginServerTs,
            [PduKeys.PrevEvents] = References(template.PrevEvents, version, references),
            [PduKeys.AuthEvents] = References(AuthEvents(template, version), version, references),
        };

        if (template.RoomId is not null) json[PduKeys.RoomId] = template.RoomId;
        if (template.StateKey is not null) json[PduKeys.StateKey] = template.StateKey;
        if (template.Redacts is not null)
        {
            if (version.RedactsInContent) content[PduKeys.Redacts] = template.Redacts;
            else json[PduKeys.Redacts] = template.Redacts;
        }

        return json;
    }

    // v12 events do not list the create event: the room ID names it (Synapse drops it the same way).
    private static IEnumerable<string> AuthEvents(EventTemplate template, RoomVersion version) =>
        version.RoomIdIsCreateEventHash && template.RoomId is { } roomId
            ? template.AuthEvents.Where(id => id != RoomId.CreateEventIdOf(roomId))
            : template.AuthEvents;

    private static JsonArray References(IEnumerable<string> eventIds, RoomVersion version, IReferenceHashLookup? lookup)
    {
        var array = new JsonArray();
        foreach (var id in eventIds)
        {
            if (version.EventFormat != EventFormat.V1)
            {
                array.Add(id);
                continue;
            }

            var hash = lookup?.FindReferenceHash(id) ?? throw new InvalidOperationException($"no reference hash for {id}");
            array.Add(new JsonArray(id, new JsonObject { [PduKeys.Sha256] = hash }));
        }

        return array;
    }
}
