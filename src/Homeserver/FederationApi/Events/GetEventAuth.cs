using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}.</summary>
public sealed record GetEventAuthQuery(string Origin, string RoomId, string EventId) : IQuery<JsonObject>;

/// <summary>The full auth chain of an event (its auth events and theirs, recursively), not the event itself.</summary>
public sealed class GetEventAuthHandler(HomeserverDbContext db, ServerRoomAccess access, ServerEventView view, EventStore events)
    : IQueryHandler<GetEventAuthQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetEventAuthQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureCanReadAsync(db, query.RoomId, query.Origin, cancellationToken);
        var pdu = await events.GetAsync(db, query.EventId, cancellationToken);
        if (pdu is null || pdu.RoomId != query.RoomId) throw MatrixException.NotFound($"Could not find event {query.EventId}");
        var chain = await AuthChains.GetAsync(db, events, AuthEventReferences.Of(pdu), includeGiven: true, cancellationToken);
        return new JsonObject { ["auth_chain"] = new JsonArray([.. await view.AsStoredAsync(db, chain, cancellationToken)]) };
    }
}
