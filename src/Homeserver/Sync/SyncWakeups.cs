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

    /// <summary>The users and every local user joined to a room one of them is joined to.</summary>
    public async Task UsersSharingRoomsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var woken = new HashSet<string>(userIds.Where(IsLocal), StringComparer.Ordinal);
        foreach (var batch in userIds.Chunk(500))
        {
            var rooms = db.RoomMemberships.Where(m => batch.Contains(m.UserId) && m.Membership == Memberships.Join).Select(m => m.RoomId);
            woken.UnionWith((await db.RoomMemberships.AsNoTracking()
                .Where(m => rooms.Contains(m.RoomId) && m.Membership == Memberships.Join)
                .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken)).Where(IsLocal));
        }

        notifier.NotifyUsers(woken);
    }
}
