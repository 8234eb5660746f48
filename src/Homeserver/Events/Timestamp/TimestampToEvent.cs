using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Timestamp;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event.</summary>
public sealed record TimestampToEventQuery(Requester Requester, string RoomId, long Timestamp, Direction Direction) : IQuery<JsonObject>;

/// <summary>
/// The closest event the user can see at or after (f) / at or before (b) a time, among this server's
/// timeline events (ties by origin_server_ts go to stream order). Events the user may not see are
/// skipped, in a bounded number of batches; none found is 404 M_NOT_FOUND.
/// </summary>
public sealed class TimestampToEventHandler(HomeserverDbContext db, RoomAccess access, EventVisibility visibility) : IQueryHandler<TimestampToEventQuery, JsonObject>
{
    private const int BatchSize = 50;

    public async ValueTask<JsonObject> Handle(TimestampToEventQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        var events = RoomTimeline.Events(db, query.RoomId);
        if (reader.LeftAt is { } left) events = events.Where(e => e.StreamOrdering <= left);

        var (ts, ordering) = (query.Timestamp, query.Direction == Direction.Forward ? long.MinValue : long.MaxValue);
        for (var round = 0; round < VisibleEventPager.MaxRounds; round++)
        {
            var (lastTs, lastOrdering) = (ts, ordering);
            var batch = await (query.Direction == Direction.Forward
                    ? events.Where(e => e.OriginServerTs > lastTs || (e.OriginServerTs == lastTs && e.StreamOrdering > lastOrdering))
                        .OrderBy(e => e.OriginServerTs).ThenBy(e => e.StreamOrdering)
                    : events.Where(e => e.OriginServerTs < lastTs || (e.OriginServerTs == lastTs && e.StreamOrdering < lastOrdering))
                        .OrderByDescending(e => e.OriginServerTs).ThenByDescending(e => e.StreamOrdering))
                .Take(BatchSize).Select(e => new { e.EventId, e.OriginServerTs, StreamOrdering = e.StreamOrdering!.Value })
                .ToListAsync(cancellationToken);
            var visible = await visibility.FilterAsync(db, query.RoomId, query.Requester.UserId, [.. batch.Select(e => e.EventId)], cancellationToken);
            if (visible.Count > 0)
            {
                var found = batch.First(e => e.EventId == visible[0]);
                return new JsonObject { ["event_id"] = found.EventId, ["origin_server_ts"] = found.OriginServerTs };
            }

            if (batch.Count < BatchSize) break;
            (ts, ordering) = (batch[^1].OriginServerTs, batch[^1].StreamOrdering);
        }

        var direction = query.Direction == Direction.Forward ? "forward" : "backward";
        throw MatrixException.NotFound($"Unable to find event from {query.Timestamp} in {direction} direction");
    }
}
