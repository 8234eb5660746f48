using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>GET /rooms/{roomId}/context/{eventId}.</summary>
public sealed record GetEventContextQuery(Requester Requester, string RoomId, string EventId, int Limit, RoomEventFilter Filter) : IQuery<JsonObject>;

/// <summary>
/// The events around one event: the limit is split as Synapse splits it (half before, rounded down,
/// the rest after); the filter applies to both sides and the state, never to the event itself. The
/// state is the state at the last event returned, only the senders' members when lazy loading.
/// </summary>
public sealed class GetEventContextHandler(HomeserverDbContext db, RoomAccess access, EventStore events, RoomTimeline timeline,
    StateAtEvent stateAt, ClientEventLoader loader) : IQueryHandler<GetEventContextQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetEventContextQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        await access.EnsureEventVisibleAsync(db, query.RoomId, query.Requester.UserId, query.EventId, cancellationToken);
        var ordering = await RoomTimeline.Events(db, query.RoomId).Where(e => e.EventId == query.EventId)
            .Select(e => e.StreamOrdering).FirstOrDefaultAsync(cancellationToken) ?? throw MatrixException.NotFound("Event not found.");
        var target = await events.GetAsync(db, query.EventId, cancellationToken) ?? throw MatrixException.NotFound("Event not found.");

        var limit = query.Filter.Limit is { } filterLimit ? Math.Min(query.Limit, filterLimit) : query.Limit;
        var (before, after) = await timeline.AroundAsync(db, reader, ordering, limit / 2, limit - limit / 2, query.Filter, cancellationToken);

        var last = after.Events.Count > 0 ? after.Events[^1] : target;
        var state = await stateAt.GetAsync(db, last.EventId, cancellationToken);
        var senders = query.Filter.LazyLoadMembers ? before.Events.Append(target).Concat(after.Events).Select(e => e.Sender) : null;
        var statePdus = await events.GetManyAsync(db, StateAtEvent.Select(state, senders), cancellationToken);
        var stateIds = statePdus.Values.Where(query.Filter.Matches).Select(p => p.EventId).ToList();

        return new JsonObject
        {
            ["start"] = before.NextToken.ToString(),
            ["end"] = after.NextToken.ToString(),
            ["events_before"] = new JsonArray([.. await loader.LoadAsync(db, [.. before.Events.Select(e => e.EventId)], query.Requester, cancellationToken)]),
            ["event"] = (await loader.LoadAsync(db, [query.EventId], query.Requester, cancellationToken))[0],
            ["events_after"] = new JsonArray([.. await loader.LoadAsync(db, [.. after.Events.Select(e => e.EventId)], query.Requester, cancellationToken)]),
            ["state"] = new JsonArray([.. await loader.LoadAsync(db, stateIds, query.Requester, cancellationToken)]),
        };
    }
}
