using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.DeviceLists;

/// <summary>
/// Records device-list changes (a row per user with the position of the latest change) and, after
/// the change committed, wakes the long-polls of the user and of every local user sharing a room
/// with them, then publishes the notification for federation.
/// </summary>
public sealed class DeviceListTracker(HomeserverDbContext db, StreamChanges changes, SyncNotifier notifier, IPublisher publisher, HomeserverOptions options)
{
    /// <summary>Marks the user's list changed at <paramref name="position"/>, in the caller's transaction (callers hold the user's key lock).</summary>
    public async Task RecordAsync(string userId, long position, CancellationToken cancellationToken)
    {
        changes.DeviceLists.Mark(StreamChanges.Anywhere, position);
        var updated = await db.DeviceListChanges.Where(c => c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.StreamPosition, position), cancellationToken);
        if (updated > 0) return;
        db.DeviceListChanges.Add(new DeviceListChange { UserId = userId, StreamPosition = position });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Marks <paramref name="userId"/>'s keys changed at <paramref name="position"/> for <paramref name="viewer"/> alone (a change
    /// only they can see: their user-signing key, their signatures over others' master keys), in the caller's transaction.
    /// </summary>
    public async Task RecordPrivateAsync(string viewer, string userId, long position, CancellationToken cancellationToken)
    {
        changes.DeviceLists.Mark(StreamChanges.Anywhere, position);
        var updated = await db.PrivateDeviceListChanges.Where(c => c.ViewerUserId == viewer && c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.StreamPosition, position), cancellationToken);
        if (updated > 0) return;
        db.PrivateDeviceListChanges.Add(new PrivateDeviceListChange { ViewerUserId = viewer, UserId = userId, StreamPosition = position });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>After a private change commits: wakes the viewer's long-polls only (no other user or server is told).</summary>
    public void AnnouncePrivate(string viewer) => notifier.NotifyUsers([viewer]);

    /// <summary>After commit: wakes everyone who tracks the user's devices and publishes <paramref name="notification"/> (if any).</summary>
    public async Task AnnounceAsync(string userId, INotification? notification, CancellationToken cancellationToken)
    {
        var watchers = await SharedRooms.UsersSharingRoomsWith(db, userId).ToListAsync(cancellationToken);
        notifier.NotifyUsers(watchers.Append(userId).Where(u => UserIds.IsLocal(u, options.ServerName)).Distinct(StringComparer.Ordinal));
        // The object overload dispatches on the runtime type.
        if (notification is not null) await publisher.Publish((object)notification, cancellationToken);
    }
}

/// <summary>Queries over shared room membership: who tracks whose device list.</summary>
public static class SharedRooms
{
    public static IQueryable<string> JoinedRooms(HomeserverDbContext db, string userId) =>
        db.RoomMemberships.Where(m => m.UserId == userId && m.Membership == Memberships.Join).Select(m => m.RoomId);

    /// <summary>Users joined to a room <paramref name="userId"/> is joined to (the user included when joined anywhere).</summary>
    public static IQueryable<string> UsersSharingRoomsWith(HomeserverDbContext db, string userId)
    {
        var rooms = JoinedRooms(db, userId);
        return db.RoomMemberships.Where(m => rooms.Contains(m.RoomId) && m.Membership == Memberships.Join).Select(m => m.UserId).Distinct();
    }

    /// <summary>
    /// Users who came to share a room with <paramref name="userId"/> in the window (from, to]: everyone in a room the user
    /// joined in it, and whoever joined one of the user's rooms in it (a profile change counts too: it is a join again).
    /// </summary>
    public static async Task<HashSet<string>> NewlySharingAsync(HomeserverDbContext db, string userId, long from, long to, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var joinedNow = db.RoomMemberships.Where(m => m.UserId == userId && m.Membership == Memberships.Join
            && m.StreamOrdering > from && m.StreamOrdering <= to).Select(m => m.RoomId);
        result.UnionWith(await db.RoomMemberships.AsNoTracking()
            .Where(m => joinedNow.Contains(m.RoomId) && m.Membership == Memberships.Join && m.UserId != userId)
            .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken));

        var myRooms = JoinedRooms(db, userId);
        result.UnionWith(await db.RoomMemberships.AsNoTracking()
            .Where(m => myRooms.Contains(m.RoomId) && m.Membership == Memberships.Join && m.UserId != userId
                && m.StreamOrdering > from && m.StreamOrdering <= to)
            .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken));
        return result;
    }
}
