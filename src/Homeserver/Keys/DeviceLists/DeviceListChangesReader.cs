using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.DeviceLists;

/// <summary>Users whose devices a client should refetch, and users it no longer shares a room with.</summary>
public sealed record DeviceListDelta(IReadOnlySet<string> Changed, IReadOnlySet<string> Left);

/// <summary>
/// The device-list delta of a window (from, to] of stream positions, for /keys/changes and /sync
/// (spec "Tracking the device list for a user"): changed are users sharing a room now whose keys
/// changed, who joined a shared room, or who are in a room the user joined; left are users who no
/// longer share any room because they or the user left one.
/// </summary>
public static class DeviceListChangesReader
{
    private static readonly string[] Departures = [Memberships.Leave, Memberships.Ban];

    /// <summary>Whether any key change or membership change at all happened in the window (one query; the delta needs one of them).</summary>
    public static Task<bool> AnyChangeAsync(HomeserverDbContext db, long from, long to, CancellationToken cancellationToken) =>
        db.DeviceListChanges.Where(c => c.StreamPosition > from && c.StreamPosition <= to).Select(c => 1)
            .Concat(db.PrivateDeviceListChanges.Where(c => c.StreamPosition > from && c.StreamPosition <= to).Select(c => 1))
            .Concat(db.RoomMemberships.Where(m => m.StreamOrdering > from && m.StreamOrdering <= to).Select(m => 1))
            .AnyAsync(cancellationToken);

    public static async Task<DeviceListDelta> ReadAsync(HomeserverDbContext db, string userId, long from, long to, CancellationToken cancellationToken)
    {
        var sharing = (await SharedRooms.UsersSharingRoomsWith(db, userId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var myRooms = SharedRooms.JoinedRooms(db, userId);

        var changed = new HashSet<string>(StringComparer.Ordinal);
        var keyChanges = await db.DeviceListChanges.AsNoTracking()
            .Where(c => c.StreamPosition > from && c.StreamPosition <= to).Select(c => c.UserId).ToListAsync(cancellationToken);
        changed.UnionWith(keyChanges.Where(u => u == userId || sharing.Contains(u)));
        // Changes only this user sees (their user-signing key, their signatures over others' keys), shared room or not.
        changed.UnionWith(await db.PrivateDeviceListChanges.AsNoTracking()
            .Where(c => c.ViewerUserId == userId && c.StreamPosition > from && c.StreamPosition <= to).Select(c => c.UserId).ToListAsync(cancellationToken));

        // Everyone in a room the user joined in the window, and whoever joined one of the user's rooms: new to the client.
        changed.UnionWith(await SharedRooms.NewlySharingAsync(db, userId, from, to, cancellationToken));

        // Departures: others leaving the user's rooms, and everyone in rooms the user left.
        var leftRooms = db.RoomMemberships.Where(m => m.UserId == userId && Departures.Contains(m.Membership)
            && m.StreamOrdering > from && m.StreamOrdering <= to).Select(m => m.RoomId);
        var departed = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId != userId && (
                (myRooms.Contains(m.RoomId) && Departures.Contains(m.Membership) && m.StreamOrdering > from && m.StreamOrdering <= to)
                || (leftRooms.Contains(m.RoomId) && m.Membership == Memberships.Join)))
            .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken);
        var left = departed.Where(u => !sharing.Contains(u)).ToHashSet(StringComparer.Ordinal);
        return new DeviceListDelta(changed, left);
    }
}
