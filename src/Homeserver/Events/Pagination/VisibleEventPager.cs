using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>An event's ID and stream position, as a paged query returns it.</summary>
public readonly record struct StreamRow(string EventId, long StreamOrdering);

/// <summary>
/// Reads <c>take</c> rows past <c>cursor</c> in the page's direction: backwards rows with ordering ≤
/// cursor (newest first), forwards rows with ordering &gt; cursor (oldest first).
/// </summary>
public delegate Task<List<StreamRow>> StreamRowSource(long cursor, int take, CancellationToken cancellationToken);

/// <summary>
/// A page of events. <see cref="Next"/> is where a following page would start (past the last event
/// returned, or past the last row looked at); <see cref="End"/> is the same, or null when the source
/// had nothing more.
/// </summary>
public sealed record EventPage(IReadOnlyList<Pdu> Events, RoomStreamToken Next, bool Exhausted)
{
    public RoomStreamToken? End => Exhausted ? null : Next;
}

/// <summary>
/// Fills a page from a stream-ordered source through a predicate (the request's filter) and history
/// visibility. Events dropped by either do not shorten the page: more rows are read, in a bounded number
/// of rounds, and when the rounds run out the page ends early with a token that resumes after the last
/// row looked at.
/// </summary>
public sealed class VisibleEventPager(EventStore events, EventVisibility visibility)
{
    /// <summary>Rounds of reading before a sparse page is returned short.</summary>
    public const int MaxRounds = 5;

    public async Task<EventPage> PageAsync(HomeserverDbContext db, string roomId, string userId, Direction direction, long from, int limit,
        StreamRowSource source, Func<Pdu, bool> predicate, CancellationToken cancellationToken)
    {
        var page = new List<Pdu>(limit);
        var cursor = from;
        if (limit == 0) return new EventPage(page, new RoomStreamToken(cursor), Exhausted: false);

        var batch = Math.Clamp(limit * 2, 20, 1000);
        for (var round = 0; round < MaxRounds; round++)
        {
            var rows = await source(cursor, batch, cancellationToken);
            var pdus = await events.GetManyAsync(db, rows.Select(r => r.EventId), cancellationToken);
            var candidates = rows.Where(r => pdus.TryGetValue(r.EventId, out var pdu) && predicate(pdu)).Select(r => r.EventId).ToList();
            var visible = (await visibility.FilterAsync(db, roomId, userId, candidates, cancellationToken)).ToHashSet(StringComparer.Ordinal);

            foreach (var row in rows)
            {
                if (visible.Contains(row.EventId)) page.Add(pdus[row.EventId]);
                cursor = direction == Direction.Backward ? row.StreamOrdering - 1 : row.StreamOrdering;
                if (page.Count == limit) return new EventPage(page, new RoomStreamToken(cursor), Exhausted: rows.Count < batch && row == rows[^1]);
            }

            if (rows.Count < batch) return new EventPage(page, new RoomStreamToken(cursor), Exhausted: true);
        }

        return new EventPage(page, new RoomStreamToken(cursor), Exhausted: false);
    }
}
