using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Sync.Receipts;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Notifications;

/// <summary>
/// Stand-in unread counts until push rules exist: messages (m.room.message, m.room.encrypted,
/// m.sticker) from others after the user's read-up-to point, which is their newest m.read or
/// m.read.private receipt (unthreaded or "main"), or their join when they sent none. Highlights are
/// always 0. Threads, when asked for, count replies after each thread's own receipt.
/// </summary>
public sealed class ReceiptNotificationCounts(EventStore events) : INotificationCounts
{
    private static readonly string[] CountedTypes = [EventTypes.Message, EventTypes.Encrypted, "m.sticker"];
    private static readonly string[] ReadTypes = [ReceiptTypes.Read, ReceiptTypes.ReadPrivate];

    /// <summary>Rooms per count query (each adds two parameters).</summary>
    private const int RoomsPerQuery = 200;

    /// <summary>Unread events read back to sort into threads, per query.</summary>
    private const int MaxThreadScan = 2_000;

    public async Task<Dictionary<string, RoomUnreadCounts>> GetAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> roomIds, long upTo,
        bool byThread, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, RoomUnreadCounts>(StringComparer.Ordinal);
        if (roomIds.Count == 0) return result;
        var rooms = roomIds.ToList();
        var joinedAt = await db.RoomMemberships.AsNoTracking().Where(m => m.UserId == userId && rooms.Contains(m.RoomId))
            .Select(m => new { m.RoomId, m.StreamOrdering }).ToDictionaryAsync(m => m.RoomId, m => m.StreamOrdering, StringComparer.Ordinal, cancellationToken);
        var receipts = await db.Receipts.AsNoTracking()
            .Where(r => r.UserId == userId && rooms.Contains(r.RoomId) && ReadTypes.Contains(r.ReceiptType))
            .Join(db.Events, r => r.EventId, e => e.EventId, (r, e) => new { r.RoomId, r.ThreadId, Stream = e.StreamOrdering ?? 0 })
            .ToListAsync(cancellationToken);

        // Where each room's (main timeline's) unread part starts.
        var readUpTo = rooms.ToDictionary(r => r, r => Math.Max(joinedAt.GetValueOrDefault(r),
            receipts.Where(x => x.RoomId == r && (!byThread || x.ThreadId is Receipt.Unthreaded or ReceiptTypes.MainThread)).Select(x => x.Stream).DefaultIfEmpty(0).Max()),
            StringComparer.Ordinal);

        if (!byThread)
        {
            foreach (var chunk in rooms.Chunk(RoomsPerQuery))
            {
                var counts = await Unread(db, userId, chunk, readUpTo, upTo).GroupBy(e => e.RoomId)
                    .Select(g => new { RoomId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
                foreach (var room in chunk) result[room] = new RoomUnreadCounts(new UnreadCounts(counts.FirstOrDefault(c => c.RoomId == room)?.Count ?? 0, 0), null);
            }

            return result;
        }

        // Threaded receipts: a thread is read up to its own receipt or an unthreaded one, whichever is newer.
        var unthreaded = rooms.ToDictionary(r => r, r => Math.Max(joinedAt.GetValueOrDefault(r),
            receipts.Where(x => x.RoomId == r && x.ThreadId == Receipt.Unthreaded).Select(x => x.Stream).DefaultIfEmpty(0).Max()), StringComparer.Ordinal);
        foreach (var chunk in rooms.Chunk(RoomsPerQuery))
        {
            var candidates = await Unread(db, userId, chunk, unthreaded, upTo).OrderByDescending(e => e.StreamOrdering).Take(MaxThreadScan)
                .Select(e => new { e.RoomId, e.EventId, Stream = e.StreamOrdering!.Value }).ToListAsync(cancellationToken);
            var pdus = await events.GetManyAsync(db, candidates.Select(c => c.EventId), cancellationToken);
            foreach (var room in chunk)
            {
                long main = 0;
                var threads = new Dictionary<string, UnreadCounts>(StringComparer.Ordinal);
                foreach (var c in candidates.Where(c => c.RoomId == room))
                {
                    var thread = pdus.TryGetValue(c.EventId, out var pdu) ? ThreadOf(pdu.Content) : null;
                    var threadRead = receipts.Where(x => x.RoomId == room && x.ThreadId == (thread ?? ReceiptTypes.MainThread)).Select(x => x.Stream).DefaultIfEmpty(0).Max();
                    if (c.Stream <= threadRead) continue;
                    if (thread is null) main++;
                    else threads[thread] = new UnreadCounts(threads.GetValueOrDefault(thread).NotificationCount + 1, 0);
                }

                result[room] = new RoomUnreadCounts(new UnreadCounts(main, 0), threads);
            }
        }

        return result;
    }

    /// <summary>Counted events from others in the rooms, each after its room's read-up-to point.</summary>
    private static IQueryable<Event> Unread(HomeserverDbContext db, string userId, IEnumerable<string> rooms, Dictionary<string, long> after, long upTo)
    {
        var inRooms = PredicateBuilder.Any(rooms.Select(room =>
        {
            var from = after[room];
            return (Expression<Func<Event, bool>>)(x => x.RoomId == room && x.StreamOrdering > from);
        }));
        return db.Events.AsNoTracking().Where(inRooms)
            .Where(x => x.StreamOrdering <= upTo && x.Sender != userId && CountedTypes.Contains(x.Type) && !x.Outlier && x.RejectedReason == null && !x.SoftFailed);
    }

    /// <summary>The thread root of an m.thread reply, or null for the main timeline.</summary>
    private static string? ThreadOf(JsonObject content) =>
        content["m.relates_to"] is JsonObject relation && relation["rel_type"] is JsonValue t && t.TryGetValue(out string? type) && type == "m.thread"
        && relation["event_id"] is JsonValue id && id.TryGetValue(out string? root) ? root : null;
}
