using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>
/// A space's m.space.child events: only those with a non-empty via list of strings count (an emptied or
/// redacted one removes the child), in the spec's order: a valid order string first (by code point),
/// then by origin_server_ts, then by room ID.
/// </summary>
public sealed class SpaceChildren(EventStore events)
{
    public const string ChildType = "m.space.child";

    public async Task<List<Pdu>> LoadAsync(HomeserverDbContext db, string spaceId, bool suggestedOnly, CancellationToken cancellationToken)
    {
        var ids = await db.CurrentState.AsNoTracking().Where(c => c.RoomId == spaceId && c.Type == ChildType)
            .Select(c => c.EventId).ToListAsync(cancellationToken);
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        return Ordered(pdus.Values, p => (p.Content, p.OriginServerTs, p.StateKey!), suggestedOnly);
    }

    /// <summary>
    /// The children_state another server gave for one of its spaces, as ours would be: m.space.child events with a
    /// room ID for state key, checked and ordered like ours.
    /// </summary>
    public static List<JsonObject> FromStripped(JsonArray? childrenState, bool suggestedOnly)
    {
        var valid = (childrenState ?? []).OfType<JsonObject>()
            .Where(c => JsonFields.String(c, "type") == ChildType && JsonFields.String(c, "state_key") is { Length: > 0 } && c["content"] is JsonObject)
            .Select(c => (JsonObject)c.DeepClone());
        return Ordered(valid, c => ((JsonObject)c["content"]!, c["origin_server_ts"] is JsonValue t && t.TryGetValue(out long ts) ? ts : 0, JsonFields.String(c, "state_key")!), suggestedOnly);
    }

    private static List<T> Ordered<T>(IEnumerable<T> children, Func<T, (JsonObject Content, long Ts, string StateKey)> fields, bool suggestedOnly) =>
    [.. children.Select(c => (Child: c, Fields: fields(c)))
        .Where(c => HasValidVia(c.Fields.Content) && (!suggestedOnly || c.Fields.Content["suggested"] is JsonValue s && s.TryGetValue(out bool suggested) && suggested))
        .OrderBy(c => ValidOrder(c.Fields.Content) is null)
        .ThenBy(c => ValidOrder(c.Fields.Content), StringComparer.Ordinal)
        .ThenBy(c => c.Fields.Ts)
        .ThenBy(c => c.Fields.StateKey, StringComparer.Ordinal)
        .Select(c => c.Child)];

    /// <summary>The stripped form the hierarchy answers with, plus origin_server_ts.</summary>
    public static JsonObject Stripped(Pdu child) => new()
    {
        ["type"] = child.Type,
        ["state_key"] = child.StateKey,
        ["content"] = child.Content.DeepClone(),
        ["sender"] = child.Sender,
        ["origin_server_ts"] = child.OriginServerTs,
    };

    public static List<string> Via(Pdu child) => JsonFields.Strings(child.Content, "via");

    private static bool HasValidVia(JsonObject content) =>
        content["via"] is JsonArray { Count: > 0 } via && via.All(v => v is JsonValue value && value.TryGetValue(out string? _));

    /// <summary>order counts only as a string of at most 50 characters between U+0020 and U+007E.</summary>
    private static string? ValidOrder(JsonObject content) =>
        JsonFields.String(content, "order") is { Length: <= 50 } order && order.All(c => c is >= '\x20' and <= '\x7E') ? order : null;
}
