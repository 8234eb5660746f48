using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>
/// Whether a user may see a room's summary without being in it (space hierarchy, /room_summary): the
/// room is public, knockable or world_readable; or the user is joined or invited; or the user may
/// join a restricted room through one of its allowed rooms. Anonymous callers get the first group only.
/// </summary>
public static class RoomPreviewAccess
{
    public static async Task<bool> CanPreviewAsync(HomeserverDbContext db, RoomSummary room, string? userId, CancellationToken cancellationToken)
    {
        // A remote room's summary may not name a version this server knows: its join rule is then taken as named.
        var version = room.Version;
        var knockable = version is null
            ? room.JoinRule is JoinRules.Knock or JoinRules.KnockRestricted
            : (version.KnockJoinRule && room.JoinRule == JoinRules.Knock) || (version.KnockRestrictedJoinRule && room.JoinRule == JoinRules.KnockRestricted);
        if (room.JoinRule == JoinRules.Public || knockable || room.WorldReadable) return true;
        if (userId is null) return false;

        var membership = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == room.RoomId && m.UserId == userId)
            .Select(m => m.Membership).FirstOrDefaultAsync(cancellationToken);
        if (membership is Memberships.Join or Memberships.Invite) return true;
        var restricted = version is null ? room.JoinRule is JoinRules.Restricted or JoinRules.KnockRestricted : RestrictedJoins.Applies(version, room.JoinRule);
        if (!restricted || room.AllowedRoomIds.Count == 0) return false;
        var allowed = room.AllowedRoomIds;
        return await db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => m.UserId == userId && m.Membership == Memberships.Join && allowed.Contains(m.RoomId), cancellationToken);
    }
}
