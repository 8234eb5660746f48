using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// Membership changes the accounts feature triggers for a whole account: a profile change reaches
/// every joined room, a deactivation leaves every room. Rooms are processed one at a time (each send
/// takes that room's lock, so a user in thousands of rooms never floods the writer), rooms whose
/// member event already shows the profile are skipped, and one failing room does not stop the rest.
/// </summary>
public sealed class AccountMembershipChanges(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    RoomMembershipService membership,
    ILogger<AccountMembershipChanges> logger)
{
    /// <summary>
    /// Sends a new join event with <paramref name="displayName"/> and <paramref name="avatarUrl"/>
    /// (null: none) into every room the user is joined to. Returns how many rooms got one.
    /// </summary>
    public async Task<int> UpdateProfileInRoomsAsync(string userId, string? displayName, string? avatarUrl, CancellationToken cancellationToken)
    {
        List<string> rooms;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            rooms = await db.RoomMemberships.AsNoTracking()
                .Where(m => m.UserId == userId && m.Membership == Memberships.Join && (m.DisplayName != displayName || m.AvatarUrl != avatarUrl))
                .OrderBy(m => m.RoomId).Select(m => m.RoomId).ToListAsync(cancellationToken);
        }

        var content = new JsonObject();
        if (displayName is not null) content["displayname"] = displayName;
        if (avatarUrl is not null) content["avatar_url"] = avatarUrl;
        return await ForEachRoomAsync(rooms, roomId => new MembershipChange(roomId, userId, userId, MembershipAction.Join)
        {
            Content = content,
            AddProfile = false,
        }, cancellationToken);
    }

    /// <summary>For deactivation: leaves every joined room and rejects every invite and knock. Returns how many rooms were left.</summary>
    public async Task<int> LeaveAllRoomsAsync(string userId, CancellationToken cancellationToken)
    {
        List<string> rooms;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            rooms = await db.RoomMemberships.AsNoTracking()
                .Where(m => m.UserId == userId && (m.Membership == Memberships.Join || m.Membership == Memberships.Invite || m.Membership == Memberships.Knock))
                .OrderBy(m => m.RoomId).Select(m => m.RoomId).ToListAsync(cancellationToken);
        }

        return await ForEachRoomAsync(rooms, roomId => new MembershipChange(roomId, userId, userId, MembershipAction.Leave), cancellationToken);
    }

    private async Task<int> ForEachRoomAsync(List<string> rooms, Func<string, MembershipChange> change, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var roomId in rooms)
        {
            try
            {
                await membership.ApplyAsync(change(roomId), cancellationToken);
                done++;
            }
            catch (MatrixException e)
            {
                logger.LogWarning("Membership change in {RoomId} failed: {Error}", roomId, e.Message);
            }
        }

        return done;
    }
}
