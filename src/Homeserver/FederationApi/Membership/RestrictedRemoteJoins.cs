using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Membership;

/// <summary>
/// A user of another server joining one of our restricted rooms (spec: "Restricted rooms"), as Synapse decides it:
/// no authorisation is needed for a user already invited or joined; otherwise the user must be joined to one of
/// the allowed rooms as far as we know (403), we must be able to tell (400 M_UNABLE_TO_AUTHORISE_JOIN when we are
/// not in every allowed room), and a local member able to invite vouches (400 M_UNABLE_TO_GRANT_JOIN when none can).
/// </summary>
public sealed class RestrictedRemoteJoins(RoomStateReader state, RestrictedJoins restrictedJoins, HomeserverOptions options, RoomServers servers)
{
    /// <summary>The join rules when they make a join of <paramref name="userId"/> need authorising, else null.</summary>
    public async Task<JsonObject?> RulesNeedingAuthorisationAsync(HomeserverDbContext db, string roomId, RoomVersion version, string userId, CancellationToken cancellationToken)
    {
        if (!version.RestrictedJoinRule) return null;
        var joinRules = await state.GetStateEventAsync(db, roomId, EventTypes.JoinRules, "", cancellationToken);
        if (!RestrictedJoins.Applies(version, JsonFields.String(joinRules, "join_rule"))) return null;
        var membership = await state.GetMembershipAsync(db, roomId, userId, cancellationToken);
        return membership is Memberships.Join or Memberships.Invite ? null : joinRules!.Content;
    }

    /// <summary>Checks the user may join through the allowed rooms; see the class summary for the errors.</summary>
    public async Task EnsureInAllowedRoomAsync(HomeserverDbContext db, string userId, JsonObject joinRules, CancellationToken cancellationToken)
    {
        var allowed = RestrictedJoins.AllowedRooms(joinRules);
        if (allowed.Count > 0 && await db.RoomMemberships.AsNoTracking()
                .AnyAsync(m => m.UserId == userId && m.Membership == Memberships.Join && allowed.Contains(m.RoomId), cancellationToken))
        {
            return;
        }

        // The user may well be in an allowed room we are not in: say we cannot tell, so the joining server asks another.
        foreach (var roomId in allowed)
        {
            if (!await servers.HasJoinedMemberAsync(db, roomId, options.ServerName, cancellationToken))
            {
                throw new MatrixException(400, ErrorCodes.UnableToAuthoriseJoin, $"Unable to check if {userId} is in the allowed rooms");
            }
        }

        throw MatrixException.Forbidden("You do not belong to any of the required rooms/spaces to join this room.");
    }

    /// <summary>The local member who vouches for the join; 400 M_UNABLE_TO_GRANT_JOIN when none may invite.</summary>
    public async Task<string> AuthoriserAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        await restrictedJoins.FindLocalInviterAsync(db, roomId, cancellationToken)
        ?? throw new MatrixException(400, ErrorCodes.UnableToGrantJoin, "No user of this server in the room may invite: ask another server");
}
