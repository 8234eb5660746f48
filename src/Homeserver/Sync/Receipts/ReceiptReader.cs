using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// The m.receipt events of a sync window, one per room, as both syncs send them: all of a room's
/// receipts when the room is new to the client, else those written after the window's start.
/// Private receipts go to their owner only.
/// </summary>
internal static class ReceiptReader
{
    public static async Task<Dictionary<string, JsonObject>> ReadAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> freshRooms,
        IReadOnlySet<string> knownRooms, long? since, long upTo, CancellationToken cancellationToken)
    {
        var receipts = db.Receipts.AsNoTracking().Where(r => r.StreamPosition <= upTo && (r.ReceiptType != ReceiptTypes.ReadPrivate || r.UserId == userId));
        var rows = new List<Receipt>();
        foreach (var chunk in freshRooms.Chunk(500))
        {
            rows.AddRange(await receipts.Where(r => chunk.Contains(r.RoomId)).ToListAsync(cancellationToken));
        }

        if (since is { } position && knownRooms.Count > 0)
        {
            // Receipts are few per position: reading those after the start and keeping the known rooms is cheap.
            var recent = await receipts.Where(r => r.StreamPosition > position).ToListAsync(cancellationToken);
            rows.AddRange(recent.Where(r => knownRooms.Contains(r.RoomId)));
        }

        return rows.GroupBy(r => r.RoomId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new JsonObject { ["type"] = "m.receipt", ["content"] = Content(g) }, StringComparer.Ordinal);
    }

    /// <summary>{event_id: {receipt_type: {user_id: {ts, thread_id?}}}} (spec: m.receipt).</summary>
    private static JsonObject Content(IEnumerable<Receipt> receipts)
    {
        var content = new JsonObject();
        foreach (var r in receipts.OrderBy(r => r.StreamPosition))
        {
            if (content[r.EventId] is not JsonObject byType) content[r.EventId] = byType = new JsonObject();
            if (byType[r.ReceiptType] is not JsonObject byUser) byType[r.ReceiptType] = byUser = new JsonObject();
            var receipt = new JsonObject { ["ts"] = r.Ts };
            if (r.ThreadId != Receipt.Unthreaded) receipt["thread_id"] = r.ThreadId;
            byUser[r.UserId] = receipt;
        }

        return content;
    }
}
