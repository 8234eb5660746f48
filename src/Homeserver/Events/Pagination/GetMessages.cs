using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>GET /rooms/{roomId}/messages. <paramref name="FromText"/> is echoed back as start, as the spec asks.</summary>
public sealed record GetMessagesQuery(Requester Requester, string RoomId, Direction Direction, string? FromText, RoomStreamToken? To, int Limit,
    RoomEventFilter Filter) : IQuery<JsonObject>;

/// <summary>
/// A page of a room's timeline. Without from, backwards pages start at the newest event and forwards
/// pages at the room's first; end is omitted once nothing is left in that direction.
/// </summary>
public sealed class GetMessagesHandler(HomeserverDbContext db, RoomAccess access, RoomTimeline timeline, StateAtEvent stateAt, ClientEventLoader loader,
    StreamIdGenerator streams) : IQueryHandler<GetMessagesQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetMessagesQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        var from = QueryParameters.ParseToken(query.FromText, "from")?.Position
            ?? (query.Direction == Direction.Backward ? streams.Current : await RoomTimeline.StartAsync(db, query.RoomId, cancellationToken));
        var limit = query.Filter.Limit is { } filterLimit ? Math.Min(query.Limit, filterLimit) : query.Limit;

        var page = await timeline.PageAsync(db, reader, query.Direction, from, query.To?.Position, limit, query.Filter, cancellationToken);
        var chunk = await loader.LoadAsync(db, [.. page.Events.Select(e => e.EventId)], query.Requester, cancellationToken);
        var result = new JsonObject
        {
            ["chunk"] = new JsonArray([.. chunk]),
            ["start"] = query.FromText ?? new RoomStreamToken(from).ToString(),
        };
        if (page.End is { } end) result["end"] = end.ToString();

        if (query.Filter.LazyLoadMembers && page.Events.Count > 0)
        {
            var state = await stateAt.GetAsync(db, page.Events[0].EventId, cancellationToken);
            var members = StateAtEvent.Select(state, page.Events.Select(e => e.Sender)).ToList();
            result["state"] = new JsonArray([.. await loader.LoadAsync(db, members, query.Requester, cancellationToken)]);
        }

        return result;
    }
}
