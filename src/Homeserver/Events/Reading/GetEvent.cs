using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Reading;

/// <summary>GET /rooms/{roomId}/event/{eventId}.</summary>
public sealed record GetEventQuery(Requester Requester, string RoomId, string EventId) : IQuery<JsonObject>;

/// <summary>
/// One event in the client format, with its aggregations. An event that does not exist, is in another
/// room, was rejected, or is hidden from the user by history visibility is the same 404 M_NOT_FOUND,
/// so the answer never tells which.
/// </summary>
public sealed class GetEventHandler(HomeserverDbContext db, EventVisibility visibility, ClientEventLoader loader) : IQueryHandler<GetEventQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetEventQuery query, CancellationToken cancellationToken)
    {
        var exists = await db.Events.AsNoTracking()
            .AnyAsync(e => e.EventId == query.EventId && e.RoomId == query.RoomId && e.RejectedReason == null && !e.SoftFailed, cancellationToken);
        var visible = exists && (await visibility.FilterAsync(db, query.RoomId, query.Requester.UserId, [query.EventId], cancellationToken)).Count == 1;
        if (!visible) throw MatrixException.NotFound("Event not found.");
        var loaded = await loader.LoadAsync(db, [query.EventId], query.Requester, cancellationToken);
        return loaded[0];
    }
}
