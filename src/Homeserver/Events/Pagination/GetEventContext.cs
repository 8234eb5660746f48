using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

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
        var ordering = await access.EnsureEventVisibleAsync(db, query.RoomId, query.Requester.UserId, query.EventId, cancellationToken, reader)
            ?? throw MatrixException.NotFound("Event not found.");
        var target = await events.GetAsync(db, query.EventId, cancellationToken) ?? throw MatrixException.NotFound("Event not found.");

        var limit = query.Filter.Limit is { } filterLimit ? Math.Min(query.Limit, filterLimit) : query.Limit;
        var (before, after) = await timeline.AroundAsync(db, reader, ordering, limit / 2, limit - limit / 2, query.Filter, cancellationToken);

        var last = after.Events.Count > 0 ? after.Events[^1] : target;
        var state = await stateAt.GetAsync(db, last.EventId, cancellationToken);
        var senders = query.Filter.LazyLoadMembers ? before.Events.Append(target).Concat(after.Events).Select(e => e.Sender) : null;
        var statePdus = await events.GetManyAsync(db, StateAtEvent.Select(state, senders), cancellationToken);
        var stateIds = statePdus.Values.Where(query.Filter.Matches).Select(p => p.EventId).ToList();

        // One load for everything served: the aggregations of all of it take a few queries, not a few per part.
        var ids = before.Events.Append(target).Concat(after.Events).Select(e => e.EventId).Concat(stateIds).Distinct().ToList();
        var loaded = (await loader.LoadAsync(db, ids, query.Requester, cancellationToken)).ToDictionary(e => e["event_id"]!.GetValue<string>());
        // A state event can also be in the timeline part: each place gets its own copy.
        JsonArray Events(IEnumerable<string> eventIds) => new([.. eventIds.Select(id => loaded[id].DeepClone())]);

        return new JsonObject
        {
            ["start"] = before.NextToken.ToString(),
            ["end"] = after.NextToken.ToString(),
            ["events_before"] = Events(before.Events.Select(e => e.EventId)),
            ["event"] = loaded[query.EventId],
            ["events_after"] = Events(after.Events.Select(e => e.EventId)),
            ["state"] = Events(stateIds),
        };
    }
}
