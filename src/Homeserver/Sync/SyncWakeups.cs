using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// Wakes the long-polls an ephemeral change concerns, and only those: the local members of a room
/// (typing, public receipts), the local users who share a room with someone (presence), or one user.
/// </summary>
public sealed class SyncWakeups(IDbContextFactory<HomeserverDbContext> dbFactory, RoomStateReader state, SyncNotifier notifier, HomeserverOptions options)
{
    public bool IsLocal(string userId) => userId.EndsWith(":" + options.ServerName, StringComparison.Ordinal);

    /// <summary>Only the user (a private receipt).</summary>
    public void User(string userId) => notifier.NotifyUser(userId);

    public async Task RoomMembersAsync(IEnumerable<string> roomIds, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var roomId in roomIds)
        {
            notifier.NotifyUsers((await state.GetJoinedMembersAsync(db, roomId, cancellationToken)).Where(IsLocal));
        }
    }

    /// <summary>The user and every local user joined to a room the user is joined to.</summary>
    public async Task UsersSharingRoomsAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rooms = db.RoomMemberships.Where(m => m.UserId == userId && m.Membership == Memberships.Join).Select(m => m.RoomId);
        var users = await db.RoomMemberships.AsNoTracking()
            .Where(m => rooms.Contains(m.RoomId) && m.Membership == Memberships.Join)
            .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken);
        notifier.NotifyUsers(users.Append(userId).Where(IsLocal).Distinct(StringComparer.Ordinal));
    }
}
