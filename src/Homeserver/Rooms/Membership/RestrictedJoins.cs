using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// Restricted rooms (v8+; knock_restricted v10+): a user who is a member of one of the rooms the join
/// rules allow may join without an invite, vouched for by a joined member able to invite, named in
/// join_authorised_via_users_server. Only local members can vouch here, since this server signs the join.
/// </summary>
public sealed class RestrictedJoins(RoomStateReader state, HomeserverOptions options)
{
    public const string MembershipAllowType = "m.room_membership";

    public static bool Applies(RoomVersion version, string? joinRule) =>
        (version.RestrictedJoinRule && joinRule == JoinRules.Restricted)
        || (version.KnockRestrictedJoinRule && joinRule == JoinRules.KnockRestricted);

    /// <summary>The rooms whose members may join, from content.allow (entries of other types are ignored).</summary>
    public static List<string> AllowedRooms(JsonObject? joinRules) =>
        joinRules?["allow"] is JsonArray allow
            ? [.. allow.OfType<JsonObject>().Where(a => JsonFields.String(a, "type") == MembershipAllowType)
                .Select(a => JsonFields.String(a, "room_id")).OfType<string>()]
            : [];

    /// <summary>
    /// Checks that <paramref name="userId"/> is joined to an allowed room and returns the local member
    /// who vouches for the join: 403 when the user is in none of the rooms, 400
    /// M_UNABLE_TO_AUTHORISE_JOIN when no local member may invite.
    /// </summary>
    public async Task<string> AuthoriseAsync(HomeserverDbContext db, string roomId, string userId, JsonObject? joinRules, CancellationToken cancellationToken)
    {
        var allowed = AllowedRooms(joinRules);
        var inAllowedRoom = allowed.Count > 0 && await db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => m.UserId == userId && m.Membership == Memberships.Join && allowed.Contains(m.RoomId), cancellationToken);
        if (!inAllowedRoom) throw MatrixException.Forbidden("You do not belong to any of the required rooms/spaces to join this room.");

        return await FindLocalInviterAsync(db, roomId, cancellationToken)
            ?? throw new MatrixException(400, ErrorCodes.UnableToAuthoriseJoin, "No user of this server in the room may invite, so the join cannot be authorised");
    }

    /// <summary>The local joined member with the most power, if it reaches the invite level.</summary>
    public async Task<string?> FindLocalInviterAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var create = await state.GetStateEventAsync(db, roomId, EventTypes.Create, "", cancellationToken);
        var powerLevels = await state.GetStateEventAsync(db, roomId, EventTypes.PowerLevels, "", cancellationToken);
        var levels = PowerLevels.From(create, powerLevels);
        var suffix = ":" + options.ServerName;
        var members = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix))
            .Select(m => m.UserId).ToListAsync(cancellationToken);
        return members
            .Select(u => (UserId: u, Level: levels.UserLevel(u)))
            .Where(m => m.Level >= levels.Invite)
            .OrderByDescending(m => m.Level).ThenBy(m => m.UserId, StringComparer.Ordinal)
            .Select(m => m.UserId).FirstOrDefault();
    }
}
