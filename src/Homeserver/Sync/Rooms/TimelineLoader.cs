using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>
/// A room's timeline window: events after <paramref name="After"/> (null: from the room's start) up to
/// <paramref name="UpTo"/>. Events after <paramref name="JoinedAfter"/> are known visible (the user
/// has been joined since then), so only older ones go through history visibility.
/// </summary>
internal sealed record TimelineRequest(string RoomId, long? After, long UpTo, long? JoinedAfter);

/// <summary>The newest events of a window, oldest first; limited when earlier ones were left out.</summary>
internal sealed record TimelineBatch(List<TimelineRow> Events, bool Limited);

/// <summary>
/// Loads the latest events of many rooms at once: one windowed query for every room sharing the same
/// bounds, then per room only when filtering left a page short. Timeline filter types and senders
/// run in SQL; contains_url and history visibility in memory.
/// </summary>
internal sealed class TimelineLoader(EventVisibility visibility, EventStore events, StreamIdGenerator streams, RoomHeads heads)
{
    /// <summary>Pages read per room before giving up and returning a limited timeline (as Synapse's 3 tries).</summary>
    private const int MaxRounds = 3;

    // A message wakes every member's long-poll at once, and members who kept up all ask for the same page (room,
    // token, end, size). The page read for one is served to the others while the stream has not moved past its end:
    // until then no event of the window can change but its redaction, which a later window brings anyway.
    private readonly GenerationalCache<(string RoomId, long After, long UpTo, int Count), List<TimelineRow>> _sharedPages = new(1_000);

    public async Task<Dictionary<string, TimelineBatch>> LoadAsync(IDbSource db, string userId, IReadOnlyList<TimelineRequest> requests,
        RoomEventFilter filter, int limit, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TimelineBatch>(StringComparer.Ordinal);
        if (filter.MatchesNothing() || limit <= 0)
        {
            foreach (var request in requests) result[request.RoomId] = new TimelineBatch([], Limited: false);
            return result;
        }

        var fetch = limit + 1;
        // A woken long-poll asks for one room: no grouping for it.
        if (requests.Count == 1)
        {
            await LoadWindowAsync(db, userId, requests, filter, fetch, result, cancellationToken);
            return result;
        }

        // Rooms sharing the same window are read together (an incremental sync's joined rooms all share it).
        var groups = new Dictionary<(long? After, long UpTo), List<TimelineRequest>>();
        foreach (var request in requests)
        {
            if (!groups.TryGetValue((request.After, request.UpTo), out var group)) groups[(request.After, request.UpTo)] = group = [];
            group.Add(request);
        }

        foreach (var group in groups.Values) await LoadWindowAsync(db, userId, group, filter, fetch, result, cancellationToken);
        return result;
    }

    /// <summary>The batches of rooms that share a window (the same after and up-to positions), added to <paramref name="result"/>.</summary>
    private async Task LoadWindowAsync(IDbSource db, string userId, IReadOnlyList<TimelineRequest> group, RoomEventFilter filter, int fetch,
        Dictionary<string, TimelineBatch> result, CancellationToken cancellationToken)
    {
        var rooms = new List<string>(group.Count);
        foreach (var request in group) rooms.Add(request.RoomId);
        var rows = await LatestAsync(db, rooms, group[0].After, group[0].UpTo, filter, fetch, cancellationToken);
        var pages = new List<(TimelineRequest Request, List<TimelineRow> Page)>(group.Count);
        if (group.Count == 1)
        {
            pages.Add((group[0], rows));
        }
        else
        {
            var byRoom = new Dictionary<string, List<TimelineRow>>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (!byRoom.TryGetValue(row.RoomId, out var page)) byRoom[row.RoomId] = page = [];
                page.Add(row);
            }

            foreach (var request in group) pages.Add((request, byRoom.GetValueOrDefault(request.RoomId) ?? []));
        }

        var kept = await KeepAsync(db, userId, pages, filter, cancellationToken);
        foreach (var (request, page) in pages)
        {
            result[request.RoomId] = await CompleteAsync(db, userId, request, page, kept[request.RoomId], filter, fetch, cancellationToken);
        }
    }

    /// <summary>Reads further pages of a room while filtering left its first one short.</summary>
    private async Task<TimelineBatch> CompleteAsync(IDbSource db, string userId, TimelineRequest request, List<TimelineRow> page, List<TimelineRow> kept,
        RoomEventFilter filter, int fetch, CancellationToken cancellationToken)
    {
        var pageSize = fetch;
        for (var round = 1; ; round++)
        {
            var exhausted = page.Count < pageSize;
            if (kept.Count >= fetch || exhausted || round == MaxRounds)
            {
                // Newest first until here; the client wants the newest `limit`, oldest first.
                var limited = kept.Count >= fetch || !exhausted;
                return new TimelineBatch([.. kept.Take(fetch - 1).Reverse()], limited);
            }

            var before = page[^1].Stream - 1;
            pageSize *= 2;
            page = await LatestAsync(db, [request.RoomId], request.After, before, filter, pageSize, cancellationToken);
            kept.AddRange((await KeepAsync(db, userId, [(request, page)], filter, cancellationToken))[request.RoomId]);
        }
    }

    /// <summary>The rows of each room's page that pass contains_url and history visibility, batched over rooms.</summary>
    private async Task<Dictionary<string, List<TimelineRow>>> KeepAsync(IDbSource db, string userId,
        List<(TimelineRequest Request, List<TimelineRow> Page)> pages, RoomEventFilter filter, CancellationToken cancellationToken)
    {
        var candidates = pages;
        if (filter.ContainsUrl is not null)
        {
            var pdus = await events.GetManyAsync(db, pages.SelectMany(p => p.Page).Select(r => r.EventId), cancellationToken);
            candidates = [.. pages.Select(p => (p.Request, (List<TimelineRow>)[.. p.Page.Where(r => pdus.TryGetValue(r.EventId, out var pdu) && filter.Matches(pdu.Json))]))];
        }

        // Events after the user's join are theirs to see; older ones go through history visibility.
        static bool Known(TimelineRequest request, TimelineRow row) => request.JoinedAfter is { } joined && row.Stream > joined;
        Dictionary<string, IReadOnlyList<string>>? toCheck = null;
        foreach (var (request, rows) in candidates)
        {
            List<string>? ids = null;
            foreach (var row in rows)
            {
                if (!Known(request, row)) (ids ??= []).Add(row.EventId);
            }

            if (ids is not null) (toCheck ??= new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal))[request.RoomId] = ids;
        }

        // A long-poll woken by new events in a room the user is joined to has nothing to check.
        var visible = toCheck is null ? null : await visibility.FilterManyAsync(db.Db, userId, toCheck, cancellationToken);
        var result = new Dictionary<string, List<TimelineRow>>(StringComparer.Ordinal);
        foreach (var (request, rows) in candidates)
        {
            if (visible?.GetValueOrDefault(request.RoomId) is not { } allowedIds)
            {
                result[request.RoomId] = rows;
                continue;
            }

            var allowed = allowedIds.ToHashSet(StringComparer.Ordinal);
            var hidden = toCheck![request.RoomId].Where(id => !allowed.Contains(id)).ToList();
            if (hidden.Count > 0) allowed.UnionWith(await CurrentStateAmongAsync(db.Db, request.RoomId, hidden, cancellationToken));
            result[request.RoomId] = [.. rows.Where(r => Known(request, r) || allowed.Contains(r.EventId))];
        }

        return result;
    }

    /// <summary>
    /// Which of the events are the room's current state: a sync timeline shows those whatever the history visibility
    /// (as Synapse does), so a member who rejoins a private-history room sees e.g. who joined while they were away.
    /// </summary>
    private static Task<List<string>> CurrentStateAmongAsync(HomeserverDbContext db, string roomId, List<string> eventIds, CancellationToken cancellationToken) =>
        db.CurrentState.AsNoTracking().Where(s => s.RoomId == roomId && eventIds.Contains(s.EventId)).Select(s => s.EventId).ToListAsync(cancellationToken);

    /// <summary>Up to <paramref name="count"/> newest timeline events of each room in the window, newest first.</summary>
    private async Task<List<TimelineRow>> LatestAsync(IDbSource source, List<string> rooms, long? after, long upTo,
        RoomEventFilter filter, int count, CancellationToken cancellationToken)
    {
        // Already newest first, and one room needs no ordering by room.
        if (rooms.Count == 1 && !FilterSql.Constrains(filter)) return await SharedPageAsync(source, rooms[0], after ?? long.MinValue, upTo, count, cancellationToken);

        var db = source.Db;

        var query = FilterSql.Where(TimelineEvents(db, after, upTo), filter);
        List<TimelineRow> rows;
        if (rooms.Count == 1)
        {
            rows = await query.Where(e => e.RoomId == rooms[0]).OrderByDescending(e => e.StreamOrdering).Take(count).Select(Row).ToListAsync(cancellationToken);
        }
        else if (!db.Database.IsNpgsql())
        {
            // SQLite, one command: each room's events from its count-th newest on, a range of the (room, stream) index whose
            // start is computed once per room. The ROW_NUMBER() form below numbers every event of every room (700 ms for
            // 100 rooms of 600 events).
            var skip = count - 1;
            rows = await (
                from r in db.Rooms.AsNoTracking()
                where rooms.Contains(r.RoomId)
                let first = query.Where(e => e.RoomId == r.RoomId).OrderByDescending(e => e.StreamOrdering).Skip(skip).Select(e => e.StreamOrdering).FirstOrDefault()
                from e in query
                where e.RoomId == r.RoomId && e.StreamOrdering >= (first ?? long.MinValue)
                select e).Select(Row).ToListAsync(cancellationToken);
        }
        else if (!FilterSql.Constrains(filter))
        {
            rows = await LatestPerRoom(db, [.. rooms], after ?? long.MinValue, upTo, count).Select(Row).ToListAsync(cancellationToken);
        }
        else
        {
            // Type or sender conditions on PostgreSQL: a per-room subquery in the projection, which EF Core runs as one
            // ROW_NUMBER() query.
            var perRoom = await db.Rooms.AsNoTracking().Where(r => rooms.Contains(r.RoomId))
                .Select(r => query.Where(e => e.RoomId == r.RoomId).OrderByDescending(e => e.StreamOrdering).Take(count)
                    .Select(e => new TimelineRow(e.EventId, e.RoomId, e.StreamOrdering!.Value, e.Type, e.StateKey, e.Sender, e.StateGroup, e.ReplacesState, e.RedactedBy))
                    .ToList())
                .ToListAsync(cancellationToken);
            rows = [.. perRoom.SelectMany(r => r)];
        }

        return [.. rows.OrderBy(r => r.RoomId, StringComparer.Ordinal).ThenByDescending(r => r.Stream)];
    }

    /// <summary>The one-room page without conditions, read once for every sync asking for it while the stream stays at its end.</summary>
    private async Task<List<TimelineRow>> SharedPageAsync(IDbSource db, string roomId, long after, long upTo, int count, CancellationToken cancellationToken)
    {
        // A long-poll woken by a local send: the room's head keeps its newest events.
        if (heads.Peek(roomId)?.Recent is { } recent && recent.TryWindow(after, upTo, count, out var known)) return known;
        var key = (roomId, after, upTo, count);
        if (streams.Current == upTo && _sharedPages.TryGet(key, out var shared)) return [.. shared];
        var page = await LatestInRoom(db.Db, roomId, after, upTo, count).ToListAsync(cancellationToken);
        if (streams.Current == upTo) _sharedPages.Set(key, page, 1);
        return [.. page];
    }

    // Compiled once: the one-room page without type or sender conditions is what nearly every incremental sync reads.
    private static readonly Func<HomeserverDbContext, string, long, long, int, IAsyncEnumerable<TimelineRow>> LatestInRoom =
        EF.CompileAsyncQuery((HomeserverDbContext db, string roomId, long after, long upTo, int count) =>
            db.Events.AsNoTracking()
                .Where(e => e.RoomId == roomId && e.StreamOrdering != null && e.StreamOrdering > after && e.StreamOrdering <= upTo
                    && !e.Outlier && e.RejectedReason == null && !e.SoftFailed)
                .OrderByDescending(e => e.StreamOrdering).Take(count)
                .Select(e => new TimelineRow(e.EventId, e.RoomId, e.StreamOrdering!.Value, e.Type, e.StateKey, e.Sender, e.StateGroup, e.ReplacesState, e.RedactedBy)));

    /// <summary>
    /// PostgreSQL: each room's newest timeline events in the window, a LATERAL join along the (room, stream) index. EF Core
    /// turns a per-room Take into ROW_NUMBER() over every event of every room (400 ms for 100 rooms of 1 000 events), hence
    /// the SQL here.
    /// </summary>
    internal static IQueryable<Event> LatestPerRoom(HomeserverDbContext db, string[] rooms, long after, long upTo, int count) =>
        db.Events.FromSql($"""
            SELECT e.* FROM unnest({rooms}) AS r(room_id) CROSS JOIN LATERAL (
                SELECT * FROM events WHERE room_id = r.room_id AND stream_ordering > {after} AND stream_ordering <= {upTo}
                    AND NOT outlier AND rejected_reason IS NULL AND NOT soft_failed
                ORDER BY stream_ordering DESC LIMIT {count}) AS e
            """).AsNoTracking();

    /// <summary>Events a timeline may show (<see cref="RoomTimeline.AllEvents"/>), within the window.</summary>
    internal static IQueryable<Event> TimelineEvents(HomeserverDbContext db, long? after, long upTo)
    {
        var query = RoomTimeline.AllEvents(db).Where(e => e.StreamOrdering <= upTo);
        return after is { } a ? query.Where(e => e.StreamOrdering > a) : query;
    }

    internal static readonly System.Linq.Expressions.Expression<Func<Event, TimelineRow>> Row =
        e => new TimelineRow(e.EventId, e.RoomId, e.StreamOrdering!.Value, e.Type, e.StateKey, e.Sender, e.StateGroup, e.ReplacesState, e.RedactedBy);
}
