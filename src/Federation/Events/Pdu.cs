using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Events;

/// <summary>
/// A persistent data unit (a room event) as it travels between servers, with its common fields
/// read once. The JSON is the event's wire form (for v3+ rooms it has no event_id key) and is never
/// mutated; redacted or signed copies are new objects.
/// </summary>
public sealed class Pdu
{
    private Pdu(JsonObject json, string eventId, RoomVersion version)
    {
        Json = json;
        EventId = eventId;
        Version = version;
        Type = RequiredString(json, "type");
        Sender = RequiredString(json, "sender");
        Content = json["content"] as JsonObject ?? throw new PduFormatException("content must be an object");
        StateKey = json["state_key"] is JsonNode sk
            ? (sk is JsonValue v && v.TryGetValue(out string? s) ? s : throw new PduFormatException("state_key must be a string"))
            : null;
        Depth = OptionalLong(json, "depth") ?? 0;
        OriginServerTs = OptionalLong(json, "origin_server_ts") ?? 0;
        PrevEvents = ReadReferences(json, "prev_events", version);
        AuthEvents = ReadReferences(json, "auth_events", version);

        if (version.RoomIdIsCreateEventHash && Type == EventTypes.Create && StateKey == "")
        {
            // v12: the create event carries no room_id; the room ID is its event ID with a '!' sigil.
            RoomId = json.ContainsKey("room_id") ? RequiredString(json, "room_id") : "!" + eventId[1..];
        }
        else
        {
            RoomId = RequiredString(json, "room_id");
        }

        Redacts = version.RedactsInContent
            ? (Content["redacts"] as JsonValue)?.TryGetValue(out string? r1) == true ? r1 : null
            : (json["redacts"] as JsonValue)?.TryGetValue(out string? r2) == true ? r2 : null;
    }

    /// <summary>Wraps an event whose ID is already known (computed, or given in a v1/v2 event).</summary>
    /// <exception cref="PduFormatException">A required key is missing or has the wrong JSON type.</exception>
    public static Pdu FromJson(JsonObject json, string eventId, RoomVersion version) => new(json, eventId, version);

    public JsonObject Json { get; }
    public string EventId { get; }
    public RoomVersion Version { get; }
    public string RoomId { get; }
    public string Sender { get; }
    public string Type { get; }
    public string? StateKey { get; }
    public JsonObject Content { get; }
    public IReadOnlyList<string> PrevEvents { get; }
    public IReadOnlyList<string> AuthEvents { get; }
    public long Depth { get; }
    public long OriginServerTs { get; }

    /// <summary>The event a redaction redacts (top-level before v11, in content from v11).</summary>
    public string? Redacts { get; }

    public bool IsState => StateKey is not null;

    public StateKey StateTuple => new(Type, StateKey ?? throw new InvalidOperationException("not a state event"));

    /// <summary>The origin server of the sender (the part after the first colon).</summary>
    public string SenderDomain => Sender[(Sender.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>content.membership for m.room.member events, else null.</summary>
    public string? Membership => Type == EventTypes.Member && Content["membership"] is JsonValue v && v.TryGetValue(out string? m) ? m : null;

    public override string ToString() => $"{EventId} {Type}{(StateKey is null ? "" : $" [{StateKey}]")} by {Sender}";

    private static string RequiredString(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue(out string? s)
            ? s
            : throw new PduFormatException($"{key} must be a string");

    private static long? OptionalLong(JsonObject json, string key)
    {
        if (json[key] is not JsonNode node) return null;
        if (node is JsonValue v && v.TryGetValue(out long l)) return l;
        throw new PduFormatException($"{key} must be an integer");
    }

    private static string[] ReadReferences(JsonObject json, string key, RoomVersion version)
    {
        if (json[key] is not JsonArray array) throw new PduFormatException($"{key} must be an array");
        var ids = new string[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            // v1/v2 write [event_id, {hashes}] pairs; later versions write bare event IDs.
            var item = version.EventFormat == EventFormat.V1 && array[i] is JsonArray pair && pair.Count > 0 ? pair[0] : array[i];
            ids[i] = item is JsonValue v && v.TryGetValue(out string? s) ? s : throw new PduFormatException($"{key}[{i}] is not an event ID");
        }

        return ids;
    }
}

/// <summary>A PDU that does not have the shape the spec requires.</summary>
public sealed class PduFormatException(string message) : Exception(message);
