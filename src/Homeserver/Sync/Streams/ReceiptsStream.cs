using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Receipts;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// m.receipt in rooms.join.*.ephemeral: receipts written after the token in the user's joined rooms
/// (all of a room's receipts when the room is new to the client), batched into one event per room.
/// Private receipts go to their owner only.
/// </summary>
internal sealed class ReceiptsStream : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var filter = context.Filter.Room.Ephemeral;
        if (filter.MatchesNothing() || !filter.AllowsType("m.receipt")) return;
        var receipts = context.Db.Receipts.AsNoTracking();
        var me = context.UserId;
        var upTo = context.UpTo.Position;
        var rows = new List<Receipt>();
        var fresh = context.JoinedRooms.Where(context.IsFresh).ToList();
        foreach (var chunk in fresh.Chunk(500))
        {
            rows.AddRange(await receipts.Where(r => chunk.Contains(r.RoomId) && r.StreamPosition <= upTo && (r.ReceiptType != ReceiptTypes.ReadPrivate || r.UserId == me))
                .ToListAsync(cancellationToken));
        }

        if (context.Since is { } since)
        {
            // Receipts are few per position: reading those after the token and keeping the user's rooms is cheap.
            var recent = await receipts.Where(r => r.StreamPosition > since.Position && r.StreamPosition <= upTo
                    && (r.ReceiptType != ReceiptTypes.ReadPrivate || r.UserId == me))
                .ToListAsync(cancellationToken);
            rows.AddRange(recent.Where(r => context.JoinedRooms.Contains(r.RoomId) && !context.IsFresh(r.RoomId)));
        }

        foreach (var room in rows.GroupBy(r => r.RoomId))
        {
            if (!filter.IncludesRoom(room.Key)) continue;
            response.JoinedRoom(room.Key).Ephemeral.Add(new JsonObject { ["type"] = "m.receipt", ["content"] = Content(room) });
        }
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
