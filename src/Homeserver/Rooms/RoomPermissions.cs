using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms;

/// <summary>Server-side permission checks that mirror the auth rules before anything is sent.</summary>
public sealed class RoomPermissions(RoomStateReader state)
{
    /// <summary>The power levels in force now (spec defaults without a power levels event).</summary>
    public async Task<PowerLevels> CurrentLevelsAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var create = await state.GetStateEventAsync(db, roomId, EventTypes.Create, "", cancellationToken);
        var powerLevels = await state.GetStateEventAsync(db, roomId, EventTypes.PowerLevels, "", cancellationToken);
        return PowerLevels.From(create, powerLevels);
    }

    /// <summary>Whether the user is joined and may send a state event of <paramref name="eventType"/>.</summary>
    public async Task<bool> CanSendStateAsync(HomeserverDbContext db, string roomId, string userId, string eventType, CancellationToken cancellationToken)
    {
        if (await state.GetMembershipAsync(db, roomId, userId, cancellationToken) != Memberships.Join) return false;
        var levels = await CurrentLevelsAsync(db, roomId, cancellationToken);
        return levels.UserLevel(userId) >= levels.EventLevel(eventType, isState: true);
    }

    /// <summary>
    /// Synapse's check_can_change_room_list, also used for deleting others' aliases: a server admin,
    /// or a member allowed to set the canonical alias.
    /// </summary>
    public async Task<bool> CanManageDirectoryAsync(HomeserverDbContext db, string roomId, string userId, CancellationToken cancellationToken) =>
        await AdminAccess.IsServerAdminAsync(db, userId, cancellationToken)
        || await CanSendStateAsync(db, roomId, userId, EventTypes.CanonicalAlias, cancellationToken);
}
