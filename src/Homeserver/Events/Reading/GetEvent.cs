using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Events.Reading;

/// <summary>GET /rooms/{roomId}/event/{eventId}.</summary>
public sealed record GetEventQuery(Requester Requester, string RoomId, string EventId) : IQuery<JsonObject>;

/// <summary>One event in the client format, with its aggregations; 404 M_NOT_FOUND unless the user may see it.</summary>
public sealed class GetEventHandler(HomeserverDbContext db, RoomAccess access, ClientEventLoader loader) : IQueryHandler<GetEventQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetEventQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureEventVisibleAsync(db, query.RoomId, query.Requester.UserId, query.EventId, cancellationToken);
        var loaded = await loader.LoadAsync(db, [query.EventId], query.Requester, cancellationToken);
        return loaded[0];
    }
}
