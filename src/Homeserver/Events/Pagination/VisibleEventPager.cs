using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>
/// A row of a paged query: the event, its room, and the cursor that resumes just after it; a source that reads the
/// event's row anyway gives what visibility is judged from too.
/// </summary>
public readonly record struct PageRow(string EventId, string RoomId, long Resume, VisibilityRow? Visibility = null);

/// <summary>Reads up to <c>take</c> rows from <c>cursor</c> on, in the page's order.</summary>
public delegate Task<List<PageRow>> PageSource(long cursor, int take, CancellationToken cancellationToken);

/// <summary>
/// A page of events. <see cref="Next"/> is the cursor a following page starts from (past the last
/// event returned, or past the last row looked at); <see cref="Exhausted"/> says the source had no more.
/// </summary>
public sealed record EventPage(IReadOnlyList<Pdu> Events, long Next, bool Exhausted)
{
    public RoomStreamToken NextToken => new(Next);

    /// <summary>The token of the next page, null when there is none.</summary>
    public RoomStreamToken? End => Exhausted ? null : NextToken;
}

/// <summary>
/// Fills a page from an ordered source through a predicate (the request's filter) and history
/// visibility. Events dropped by either do not shorten the page: more rows are read, in a bounded number
/// of rounds, and when the rounds run out the page ends early with a cursor that resumes after the last
/// row looked at.
/// </summary>
public sealed class VisibleEventPager(EventStore events, EventVisibility visibility)
{
    /// <summary>Rounds of reading before a sparse page is returned short.</summary>
    public const int MaxRounds = 5;

    private const int MaxBatch = 1000;

    /// <param name="memberships">The user's membership now in rooms the caller already read it for (null: none).</param>
    public async Task<EventPage> PageAsync(HomeserverDbContext db, string userId, long from, int limit, PageSource source, Func<Pdu, bool> predicate,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? memberships = null)
    {
        var page = new List<Pdu>(limit);
        var cursor = from;
        if (limit == 0) return new EventPage(page, cursor, Exhausted: false);

        // The first round reads one row past the page (to know whether more follow); later rounds,
        // needed only when rows were filtered out, read more at a time.
        var batch = Math.Min(limit + 1, MaxBatch);
        for (var round = 0; round < MaxRounds; round++, batch = Math.Min(batch * 2, MaxBatch))
        {
            var rows = await source(cursor, batch, cancellationToken);
            var pdus = await events.GetManyAsync(db, rows.Select(r => r.EventId), cancellationToken);
            var matching = rows.Where(r => pdus.TryGetValue(r.EventId, out var pdu) && predicate(pdu)).ToList();
            var known = new VisibilityKnown([.. matching.Select(r => r.Visibility).OfType<VisibilityRow>()], memberships ?? new Dictionary<string, string?>());
            var byRoom = matching.GroupBy(r => r.RoomId).ToDictionary(g => g.Key, IReadOnlyList<string> (g) => [.. g.Select(r => r.EventId)], StringComparer.Ordinal);
            var visible = (await visibility.FilterManyAsync(db, userId, byRoom, cancellationToken, known)).Values.SelectMany(ids => ids).ToHashSet(StringComparer.Ordinal);

            for (var i = 0; i < rows.Count; i++)
            {
                if (visible.Contains(rows[i].EventId)) page.Add(pdus[rows[i].EventId]);
                cursor = rows[i].Resume;
                if (page.Count == limit) return new EventPage(page, cursor, Exhausted: rows.Count < batch && i == rows.Count - 1);
            }

            if (rows.Count < batch) return new EventPage(page, cursor, Exhausted: true);
        }

        return new EventPage(page, cursor, Exhausted: false);
    }
}
