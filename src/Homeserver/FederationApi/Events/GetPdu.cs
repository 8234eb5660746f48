using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>GET /_matrix/federation/v1/event/{eventId}.</summary>
public sealed record GetPduQuery(string Origin, string EventId) : IQuery<JsonObject>;

/// <summary>One event as a one-PDU transaction; redacted when the server may not see it, 404 when we do not have it.</summary>
public sealed class GetPduHandler(HomeserverDbContext db, ServerRoomAccess access, ServerEventView view, HomeserverOptions options, TimeProvider time)
    : IQueryHandler<GetPduQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetPduQuery query, CancellationToken cancellationToken)
    {
        var roomId = await db.Events.AsNoTracking().Where(e => e.EventId == query.EventId).Select(e => e.RoomId).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound("Unknown event");
        await access.EnsureCanReadAsync(db, roomId, query.Origin, cancellationToken);
        var pdus = await view.ForServerAsync(db, query.Origin, [query.EventId], cancellationToken);
        return FederationQuery.PduTransaction(options.ServerName, time, pdus);
    }
}
