using System.Linq.Expressions;
using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>A room's (or thread's) unread notifications, and how many of them highlight.</summary>
public readonly record struct NotificationCounts(long NotificationCount, long HighlightCount)
{
    public NotificationCounts Add(NotificationCounts other) => new(NotificationCount + other.NotificationCount, HighlightCount + other.HighlightCount);
}

/// <summary>A room's counts: the whole room, or only its main timeline with the threads apart when counted by thread.</summary>
public sealed record RoomNotificationCounts(NotificationCounts Room, IReadOnlyDictionary<string, NotificationCounts>? Threads);

/// <summary>
/// Unread notification counts (spec: "Receiving notifications"): a user's notifications after their
/// read receipts. Each event is read when at or before the newer of the unthreaded receipt and its
/// thread's receipt, so an unthreaded client's counts and a threaded client's agree. A single room's
/// notifications after the receipts are kept in <paramref name="cache"/> (when given) and counted in memory.
/// </summary>
public sealed class UnreadNotificationCounts(IReadReceiptPositions receipts, UnreadRowsCache? cache = null)
{
    /// <summary>Rooms per query: each adds a filter with two parameters.</summary>
    private const int RoomsPerQuery = 100;

    /// <summary>
    /// The counts of the user's notifications up to <paramref name="upTo"/> in each room asked for (zero
    /// counts included). With <paramref name="byThread"/>, Room is the main timeline and Threads the rest
    /// (unread_thread_notifications); without, Room is the whole room.
    /// </summary>
    public async Task<Dictionary<string, RoomNotificationCounts>> GetAsync(IDbSource db, string userId, IReadOnlyCollection<string> roomIds,
        long upTo, bool byThread, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, RoomNotificationCounts>(StringComparer.Ordinal);
        if (roomIds.Count == 0) return result;
        var rooms = DistinctIds.Of(roomIds);
        var positions = await receipts.GetAsync(db, userId, rooms, cancellationToken);
        var counts = new Dictionary<(string Room, string Thread), NotificationCounts>();
        var unknown = new List<string>();
        foreach (var room in rooms)
        {
            var read = Position(positions, room);
            if (cache is null || !TryCountKept(cache, counts, userId, room, read, upTo)) unknown.Add(room);
        }

        // A woken sync's usual answer, one room: its rows are read (and kept) unless there are too many; then their sums.
        if (unknown is [var one] && cache is not null)
        {
            var read = Position(positions, one);
            if (!cache.IsOverflowing(userId, one, read.Unthreaded) && await LoadRowsAsync(cache, db.Db, userId, one, read.Unthreaded, cancellationToken) is { } rows)
            {
                CountRows(counts, one, rows, read, upTo);
                unknown.Clear();
            }
            else if (!ThreadsReadFurther(read) && CountTotals(counts, one, await LoadTotalsAsync(cache, db.Db, userId, one, read.Unthreaded, cancellationToken), read, upTo))
            {
                unknown.Clear();
            }
        }

        foreach (var chunk in unknown.Count == 0 ? [] : unknown.Chunk(RoomsPerQuery))
        {
            // Everything after each room's unthreaded receipt...
            if (chunk is [var only])
            {
                // A woken sync's usual answer, one room: a compiled query, none of EF's per-query translation work.
                await foreach (var g in CountInRoom(db.Db, userId, only, Position(positions, only).Unthreaded, upTo).WithCancellation(cancellationToken))
                {
                    counts[(only, g.ThreadId)] = new NotificationCounts(g.Count, g.Highlights);
                }
            }
            else
            {
                var afterUnthreaded = PredicateBuilder.Any(chunk.Select(room =>
                {
                    var read = Position(positions, room).Unthreaded;
                    return (Expression<Func<EventPushAction, bool>>)(a => a.RoomId == room && a.StreamOrdering > read);
                }));
                foreach (var group in await CountAsync(db.Db, userId, upTo, afterUnthreaded, cancellationToken)) counts[group.Key] = group.Value;
            }

            // ...less what a thread's own, newer receipt has read.
            var threadReads = chunk.SelectMany(room =>
            {
                var read = Position(positions, room);
                return read.Threads.Where(t => t.Value > read.Unthreaded).Select(t => (Room: room, Thread: t.Key, From: read.Unthreaded, To: t.Value));
            }).ToList();
            if (threadReads.Count == 0) continue;
            var readInThreads = PredicateBuilder.Any(threadReads.Select(t =>
                (Expression<Func<EventPushAction, bool>>)(a => a.RoomId == t.Room && a.ThreadId == t.Thread && a.StreamOrdering > t.From && a.StreamOrdering <= t.To)));
            foreach (var (key, read) in await CountAsync(db.Db, userId, upTo, readInThreads, cancellationToken))
            {
                var unread = counts[key];
                counts[key] = new NotificationCounts(unread.NotificationCount - read.NotificationCount, unread.HighlightCount - read.HighlightCount);
            }
        }

        foreach (var room in rooms)
        {
            // Without threads apart, the room's counts summed; with, the main timeline's and each thread's.
            var main = default(NotificationCounts);
            var threads = byThread ? new Dictionary<string, NotificationCounts>(StringComparer.Ordinal) : null;
            foreach (var ((ofRoom, thread), count) in counts)
            {
                if (ofRoom != room || count.NotificationCount <= 0) continue;
                if (threads is null) main = main.Add(count);
                else if (thread == EventThreads.Main) main = count;
                else threads[thread] = count;
            }

            result[room] = new RoomNotificationCounts(main, threads);
        }

        return result;
    }

    /// <summary>All of the user's unread notifications in the rooms they are joined to (a push gateway's badge).</summary>
    public async Task<long> GetTotalUnreadAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        var joined = await db.RoomMemberships.AsNoTracking().Where(m => m.UserId == userId && m.Membership == Memberships.Join)
            .Select(m => m.RoomId).ToListAsync(cancellationToken);
        var counts = await GetAsync(db, userId, joined, long.MaxValue, byThread: false, cancellationToken);
        return counts.Values.Sum(c => c.Room.NotificationCount);
    }

    /// <summary>
    /// Rooms where notifications for the user were written after <paramref name="since"/>, up to
    /// <paramref name="upTo"/>: notifications are written just after their events commit, so an
    /// incremental sync uses this to send counts that changed after it already sent the event.
    /// </summary>
    public Task<List<string>> RoomsWithNewNotificationsAsync(HomeserverDbContext db, string userId, long since, long upTo, CancellationToken cancellationToken) =>
        RoomsWritten(db, userId, since, upTo).ToListAsync(cancellationToken).AsTask();

    // Compiled once, as every woken sync asks them.
    private static readonly Func<HomeserverDbContext, string, long, long, IAsyncEnumerable<string>> RoomsWritten =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, long since, long upTo) =>
            db.Set<EventPushAction>().AsNoTracking().Where(a => a.UserId == userId && a.WrittenAt > since && a.WrittenAt <= upTo)
                .Select(a => a.RoomId).Distinct());

    /// <summary>The room's notifications after <paramref name="after"/>, kept in the cache; null (and an overflow entry) when there are more than it keeps.</summary>
    private static async Task<List<UnreadRow>?> LoadRowsAsync(UnreadRowsCache cache, HomeserverDbContext db, string userId, string roomId, long after,
        CancellationToken cancellationToken)
    {
        var asOf = cache.Position;
        var rows = await UnreadAfter(db, userId, roomId, after, UnreadRowsCache.MaxRows + 1).ToListAsync(cancellationToken);
        cache.Set(userId, roomId, after, rows, asOf);
        return rows.Count > UnreadRowsCache.MaxRows ? null : rows;
    }

    /// <summary>The room's notifications after <paramref name="after"/> summed per thread, kept in the cache.</summary>
    private static async Task<Dictionary<string, ThreadTotal>> LoadTotalsAsync(UnreadRowsCache cache, HomeserverDbContext db, string userId, string roomId,
        long after, CancellationToken cancellationToken)
    {
        var asOf = cache.Position;
        var totals = new Dictionary<string, ThreadTotal>(StringComparer.Ordinal);
        await foreach (var t in TotalsAfter(db, userId, roomId, after).WithCancellation(cancellationToken))
        {
            totals[t.ThreadId] = new ThreadTotal(t.Count, t.Highlights, t.Newest);
        }

        cache.SetTotals(userId, roomId, after, totals, asOf);
        return totals;
    }

    /// <summary>
    /// Counts from sums after the unthreaded receipt: false (nothing counted) when a thread's own receipt is later, or
    /// the sums hold notifications after <paramref name="upTo"/>; only the rows themselves can say what is left then.
    /// </summary>
    private static bool CountTotals(Dictionary<(string Room, string Thread), NotificationCounts> counts, string roomId,
        IReadOnlyDictionary<string, ThreadTotal> totals, ReadPosition read, long upTo)
    {
        if (ThreadsReadFurther(read) || totals.Values.Any(t => t.Newest > upTo)) return false;
        foreach (var (thread, total) in totals) counts[(roomId, thread)] = new NotificationCounts(total.Count, total.Highlights);
        return true;
    }

    private static bool ThreadsReadFurther(ReadPosition read) => read.Threads.Values.Any(p => p > read.Unthreaded);

    /// <summary>Counts the room from what the cache keeps (its rows, or their sums), when it keeps enough.</summary>
    private static bool TryCountKept(UnreadRowsCache cache, Dictionary<(string Room, string Thread), NotificationCounts> counts, string userId, string roomId,
        ReadPosition read, long upTo)
    {
        if (cache.TryGet(userId, roomId, read.Unthreaded, out var rows))
        {
            CountRows(counts, roomId, rows, read, upTo);
            return true;
        }

        return cache.TryGetTotals(userId, roomId, read.Unthreaded, out var totals) && CountTotals(counts, roomId, totals, read, upTo);
    }

    private static void CountRows(Dictionary<(string Room, string Thread), NotificationCounts> counts, string roomId, IEnumerable<UnreadRow> rows,
        ReadPosition read, long upTo)
    {
        foreach (var row in rows)
        {
            if (row.Stream <= read.For(row.ThreadId) || row.Stream > upTo) continue;
            counts[(roomId, row.ThreadId)] = counts.GetValueOrDefault((roomId, row.ThreadId)).Add(new NotificationCounts(1, row.Highlight ? 1 : 0));
        }
    }

    private static readonly Func<HomeserverDbContext, string, string, long, int, IAsyncEnumerable<UnreadRow>> UnreadAfter =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, string roomId, long after, int limit) =>
            db.Set<EventPushAction>().AsNoTracking()
                .Where(a => a.UserId == userId && a.RoomId == roomId && a.StreamOrdering > after)
                .OrderBy(a => a.StreamOrdering).Take(limit)
                .Select(a => new UnreadRow(a.StreamOrdering, a.ThreadId, a.Highlight)));

    private sealed record ThreadCount(string ThreadId, long Count, long Highlights);

    private sealed record ThreadSum(string ThreadId, long Count, long Highlights, long Newest);

    private static readonly Func<HomeserverDbContext, string, string, long, IAsyncEnumerable<ThreadSum>> TotalsAfter =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, string roomId, long after) =>
            db.Set<EventPushAction>().AsNoTracking()
                .Where(a => a.UserId == userId && a.RoomId == roomId && a.StreamOrdering > after)
                .GroupBy(a => a.ThreadId)
                .Select(g => new ThreadSum(g.Key, g.LongCount(), g.LongCount(a => a.Highlight), g.Max(a => a.StreamOrdering))));

    private static readonly Func<HomeserverDbContext, string, string, long, long, IAsyncEnumerable<ThreadCount>> CountInRoom =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, string roomId, long read, long upTo) =>
            db.Set<EventPushAction>().AsNoTracking()
                .Where(a => a.UserId == userId && a.RoomId == roomId && a.StreamOrdering > read && a.StreamOrdering <= upTo)
                .GroupBy(a => a.ThreadId)
                .Select(g => new ThreadCount(g.Key, g.LongCount(), g.LongCount(a => a.Highlight))));

    private static ReadPosition Position(IReadOnlyDictionary<string, ReadPosition> positions, string room) => positions.GetValueOrDefault(room) ?? ReadPosition.None;

    private static async Task<Dictionary<(string Room, string Thread), NotificationCounts>> CountAsync(HomeserverDbContext db, string userId, long upTo,
        Expression<Func<EventPushAction, bool>> filter, CancellationToken cancellationToken)
    {
        var groups = await db.Set<EventPushAction>().AsNoTracking()
            .Where(a => a.UserId == userId && a.StreamOrdering <= upTo).Where(filter)
            .GroupBy(a => new { a.RoomId, a.ThreadId })
            .Select(g => new { g.Key.RoomId, g.Key.ThreadId, Count = g.LongCount(), Highlights = g.LongCount(a => a.Highlight) })
            .ToListAsync(cancellationToken);
        return groups.ToDictionary(g => (g.RoomId, g.ThreadId), g => new NotificationCounts(g.Count, g.Highlights));
    }
}
