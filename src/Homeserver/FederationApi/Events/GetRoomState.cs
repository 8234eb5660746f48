using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>GET /_matrix/federation/v1/state/{roomId} (PDUs) or /state_ids/{roomId} (IDs only).</summary>
public sealed record GetRoomStateQuery(string Origin, string RoomId, string EventId, bool IdsOnly) : IQuery<JsonObject>;

/// <summary>
/// The room's state before an event, with the auth chain of that state. The event must be in the room's timeline
/// (outliers and rejected events have no state we could give): 404 M_NOT_FOUND otherwise.
/// </summary>
public sealed class GetRoomStateHandler(HomeserverDbContext db, ServerRoomAccess access, ServerEventView view, StateGroupStore stateGroups, EventStore events)
    : IQueryHandler<GetRoomStateQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetRoomStateQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureCanReadAsync(db, query.RoomId, query.Origin, cancellationToken);
        var row = await db.Events.AsNoTracking().Where(e => e.EventId == query.EventId && e.RoomId == query.RoomId)
            .Select(e => new { e.Type, e.StateKey, e.StateGroup, e.ReplacesState, e.Outlier, e.RejectedReason }).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound($"Could not find event {query.EventId}");
        if (row.Outlier || row.RejectedReason is not null || row.StateGroup is not { } group) throw MatrixException.NotFound($"State not known at event {query.EventId}");

        // The group holds the state after the event: undo its own entry.
        var state = await stateGroups.LoadAsync(db, group, cancellationToken);
        if (row.StateKey is not null)
        {
            var key = new StateKey(row.Type, row.StateKey);
            state = row.ReplacesState is { } replaced ? state.SetItem(key, replaced) : state.Remove(key);
        }

        var stateIds = state.Values.ToList();
        var authIds = await AuthChains.GetAsync(db, events, stateIds, includeGiven: false, cancellationToken);
        if (query.IdsOnly)
        {
            return new JsonObject
            {
                ["pdu_ids"] = new JsonArray([.. stateIds.Select(id => (JsonNode)id)]),
                ["auth_chain_ids"] = new JsonArray([.. authIds.Select(id => (JsonNode)id)]),
            };
        }

        return new JsonObject
        {
            ["pdus"] = new JsonArray([.. await view.AsStoredAsync(db, stateIds, cancellationToken)]),
            ["auth_chain"] = new JsonArray([.. await view.AsStoredAsync(db, authIds, cancellationToken)]),
        };
    }
}
