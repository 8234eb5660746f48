using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Events.ClientFormat;

/// <summary>
/// The pre-r0 event format the legacy endpoints (GET /initialSync, GET /rooms/{roomId}/initialSync, GET /events) still
/// answer in, as Synapse's format_event_for_client_v1 does: the client format plus <c>user_id</c> (the sender) and some
/// unsigned keys repeated at the top level, where the clients of those endpoints read them.
/// </summary>
public static class LegacyEventFormat
{
    private static readonly string[] TopLevelKeys = ["age", "redacted_because", "replaces_state", "prev_content", "invite_room_state", "knock_room_state"];

    /// <summary>Adds the legacy keys to each event of <paramref name="events"/> in place.</summary>
    public static JsonArray ToV1(JsonArray events)
    {
        foreach (var node in events)
        {
            if (node is JsonObject ev) ToV1(ev);
        }

        return events;
    }

    /// <summary>Adds the legacy keys to <paramref name="ev"/> in place.</summary>
    public static JsonObject ToV1(JsonObject ev)
    {
        if (ev["sender"] is JsonValue sender) ev["user_id"] = sender.DeepClone();
        if (ev["unsigned"] is not JsonObject unsigned) return ev;
        foreach (var key in TopLevelKeys)
        {
            if (unsigned[key] is { } value) ev[key] = value.DeepClone();
        }

        return ev;
    }
}
