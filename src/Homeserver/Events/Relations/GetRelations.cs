using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]].</summary>
public sealed record GetRelationsQuery(Requester Requester, string RoomId, string EventId, string? RelType, string? EventType, string? FromText,
    RoomStreamToken? To, int Limit, Direction Direction, bool? Recurse) : IQuery<JsonObject>;

/// <summary>
/// The children of a visible parent, newest first by default, each with its own aggregations and
/// filtered by history visibility. prev_batch echoes from (as Synapse); recursion_depth is present
/// whenever the client passed recurse.
/// </summary>
public sealed class GetRelationsHandler(HomeserverDbContext db, RoomAccess access, VisibleEventPager pager,
    ClientEventLoader loader) : IQueryHandler<GetRelationsQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetRelationsQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        await access.EnsureEventVisibleAsync(db, query.RoomId, query.Requester.UserId, query.EventId, cancellationToken, reader);

        var from = QueryParameters.ParseToken(query.FromText, "from")?.Position
            ?? (query.Direction == Direction.Backward ? long.MaxValue : long.MinValue);
        var depth = query.Recurse == true ? RelationsSource.MaxDepth : 1;
        var source = RelationsSource.Create(db, query.RoomId, query.EventId, query.RelType, query.EventType, depth, query.Direction, query.To?.Position);
        var page = await pager.PageAsync(db, query.Requester.UserId, from, query.Limit, source, _ => true, cancellationToken, reader.Memberships);

        var result = new JsonObject
        {
            ["chunk"] = new JsonArray([.. await loader.LoadAsync(db, [.. page.Events.Select(e => e.EventId)], query.Requester, cancellationToken)]),
        };
        if (page.End is { } end) result["next_batch"] = end.ToString();
        if (query.FromText is not null) result["prev_batch"] = query.FromText;
        if (query.Recurse is not null) result["recursion_depth"] = depth;
        return result;
    }
}
