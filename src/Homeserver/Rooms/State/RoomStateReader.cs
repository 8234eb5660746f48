using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>
/// Reads of a room's current state and memberships, from the materialized tables, or from the room's head when the last
/// local write left one (<see cref="RoomHeads"/>: it is the current state, and every other writer of the room forgets it).
/// </summary>
public sealed class RoomStateReader(EventStore events, RoomHeads heads)
{
    /// <summary>The current state event for a key, or null.</summary>
    public async Task<Pdu?> GetStateEventAsync(HomeserverDbContext db, string roomId, string type, string stateKey, CancellationToken cancellationToken)
    {
        var eventId = heads.Peek(roomId) is { } head
            ? head.State.GetValueOrDefault(new StateKey(type, stateKey))
            : await db.CurrentState.AsNoTracking()
                .Where(c => c.RoomId == roomId && c.Type == type && c.StateKey == stateKey)
                .Select(c => c.EventId).FirstOrDefaultAsync(cancellationToken);
        return eventId is null ? null : await events.GetAsync(db, eventId, cancellationToken);
    }

    /// <summary>The room's current state group as the last local write left it; null when unknown (then read the room's row).</summary>
    public long? HeadStateGroup(string roomId) => heads.Peek(roomId)?.StateGroup;

    /// <summary>The whole current state as StateKey → event ID.</summary>
    public async Task<Dictionary<StateKey, string>> GetCurrentStateIdsAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        heads.Peek(roomId) is { } head
            ? new Dictionary<StateKey, string>(head.State)
            : (await db.CurrentState.AsNoTracking().Where(c => c.RoomId == roomId).Select(c => new { c.Type, c.StateKey, c.EventId }).ToListAsync(cancellationToken))
                .ToDictionary(c => new StateKey(c.Type, c.StateKey), c => c.EventId);

    /// <summary>The whole current state as PDUs.</summary>
    public async Task<List<Pdu>> GetCurrentStateAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var ids = heads.Peek(roomId) is { } head
            ? [.. head.State.Values]
            : await db.CurrentState.AsNoTracking().Where(c => c.RoomId == roomId).Select(c => c.EventId).ToListAsync(cancellationToken);
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        return [.. ids.Select(id => pdus.GetValueOrDefault(id)).OfType<Pdu>()];
    }

    /// <summary>Whether the room's current history visibility is world_readable (anyone may read it, members or not).</summary>
    public async Task<bool> IsWorldReadableAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        (await GetStateEventAsync(db, roomId, EventTypes.HistoryVisibility, "", cancellationToken))?.Content["history_visibility"]
            is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? value) && value == "world_readable";

    /// <summary>Whether the room's current guest access is can_join (the spec's one value that lets guests in).</summary>
    public async Task<bool> GuestsMayJoinAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        (await GetStateEventAsync(db, roomId, EventTypes.GuestAccess, "", cancellationToken))?.Content["guest_access"]
            is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? value) && value == "can_join";

    /// <summary>The user's current membership in the room (join, invite, leave, ban, knock), or null if none.</summary>
    public Task<string?> GetMembershipAsync(HomeserverDbContext db, string roomId, string userId, CancellationToken cancellationToken) =>
        db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.UserId == userId).Select(m => m.Membership).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Rooms the user is joined to.</summary>
    public Task<List<string>> GetJoinedRoomsAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken) =>
        db.RoomMemberships.AsNoTracking().Where(m => m.UserId == userId && m.Membership == Memberships.Join).Select(m => m.RoomId).ToListAsync(cancellationToken);

    /// <summary>Users currently joined to the room.</summary>
    public Task<List<string>> GetJoinedMembersAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.Membership == Memberships.Join).Select(m => m.UserId).ToListAsync(cancellationToken);
}
