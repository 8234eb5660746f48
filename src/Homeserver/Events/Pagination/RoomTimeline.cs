using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>
/// A room's timeline in stream order: the events clients page through with /messages and /context.
/// Outliers, rejected and soft-failed events are not part of it. A reader who left the room pages no
/// further than their leave.
/// </summary>
public sealed class RoomTimeline(VisibleEventPager pager)
{
    /// <summary>Events of the room past <paramref name="from"/> in <paramref name="direction"/>, up to <paramref name="to"/>.</summary>
    public Task<EventPage> PageAsync(HomeserverDbContext db, RoomReader reader, Direction direction, long from, long? to, int limit,
        RoomEventFilter filter, CancellationToken cancellationToken)
    {
        if (reader.LeftAt is { } left)
        {
            if (direction == Direction.Backward) from = Math.Min(from, left);
            else to = Math.Min(to ?? long.MaxValue, left);
        }

        var query = filter.Narrow(Events(db, reader.RoomId));
        if (to is { } bound) query = direction == Direction.Backward ? query.Where(e => e.StreamOrdering > bound) : query.Where(e => e.StreamOrdering <= bound);

        return pager.PageAsync(db, reader.UserId, from, limit, Source(query, direction), filter.Matches, cancellationToken, reader.Memberships);
    }

    /// <summary>The events on either side of the event at <paramref name="streamOrdering"/>: before it newest first, after it oldest first.</summary>
    public async Task<(EventPage Before, EventPage After)> AroundAsync(HomeserverDbContext db, RoomReader reader, long streamOrdering, int beforeLimit,
        int afterLimit, RoomEventFilter filter, CancellationToken cancellationToken)
    {
        var before = await PageAsync(db, reader, Direction.Backward, Resume(streamOrdering, Direction.Backward), null, beforeLimit, filter, cancellationToken);
        var after = await PageAsync(db, reader, Direction.Forward, Resume(streamOrdering, Direction.Forward), null, afterLimit, filter, cancellationToken);
        return (before, after);
    }

    /// <summary>The position just before the room's first event: where forward pagination starts by default.</summary>
    public static async Task<long> StartAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        (await Events(db, roomId).MinAsync(e => e.StreamOrdering, cancellationToken) ?? 1) - 1;

    /// <summary>
    /// Events any timeline may show: accepted, positioned, not soft-failed. Outliers have no stream position, so
    /// <c>!Outlier</c> filters nothing: it makes the conditions those of the <c>ix_events_timeline</c> index (keep them
    /// the same), whose ordered scan a planner without statistics (a table just filled) takes; otherwise it sorted every
    /// event of the room (a page of 1 000 events: 27 ms, against 0.1).
    /// </summary>
    public static IQueryable<Event> AllEvents(HomeserverDbContext db) =>
        db.Events.AsNoTracking().Where(e => e.StreamOrdering != null && !e.Outlier && e.RejectedReason == null && !e.SoftFailed);

    /// <summary>The room's timeline events.</summary>
    public static IQueryable<Event> Events(HomeserverDbContext db, string roomId) => AllEvents(db).Where(e => e.RoomId == roomId);

    /// <summary>
    /// Reads a query of events page by page in stream order. A cursor is a <see cref="RoomStreamToken"/>
    /// position: backwards reads orderings ≤ it, forwards orderings &gt; it.
    /// </summary>
    public static PageSource Source(IQueryable<Event> query, Direction direction) => async (cursor, take, cancellationToken) =>
    {
        var rows = direction == Direction.Backward
            ? query.Where(e => e.StreamOrdering <= cursor).OrderByDescending(e => e.StreamOrdering)
            : query.Where(e => e.StreamOrdering > cursor).OrderBy(e => e.StreamOrdering);
        var found = await rows.Take(take)
            .Select(e => new { e.StreamOrdering, Row = new VisibilityRow(e.EventId, e.RoomId, e.StateGroup, e.ReplacesState, e.Type, e.StateKey) })
            .ToListAsync(cancellationToken);
        return [.. found.Select(e => new PageRow(e.Row.EventId, e.Row.RoomId, Resume(e.StreamOrdering!.Value, direction), e.Row))];
    };

    /// <summary>The position just past an event in the page's direction.</summary>
    public static long Resume(long streamOrdering, Direction direction) => direction == Direction.Backward ? streamOrdering - 1 : streamOrdering;
}
