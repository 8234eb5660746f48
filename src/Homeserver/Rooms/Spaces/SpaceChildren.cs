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
        return [.. pdus.Values
            .Where(p => HasValidVia(p) && (!suggestedOnly || p.Content["suggested"] is JsonValue s && s.TryGetValue(out bool suggested) && suggested))
            .OrderBy(p => ValidOrder(p) is null)
            .ThenBy(p => ValidOrder(p), StringComparer.Ordinal)
            .ThenBy(p => p.OriginServerTs)
            .ThenBy(p => p.StateKey, StringComparer.Ordinal)];
    }

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

    private static bool HasValidVia(Pdu child) =>
        child.Content["via"] is JsonArray { Count: > 0 } via && via.All(v => v is JsonValue value && value.TryGetValue(out string? _));

    /// <summary>order counts only as a string of at most 50 characters between U+0020 and U+007E.</summary>
    private static string? ValidOrder(Pdu child) =>
        JsonFields.String(child, "order") is { Length: <= 50 } order && order.All(c => c is >= '\x20' and <= '\x7E') ? order : null;
}
