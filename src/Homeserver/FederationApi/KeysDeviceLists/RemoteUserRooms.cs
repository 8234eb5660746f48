using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>Whether we track a remote user's devices: only while one of our users shares a joined room with them.</summary>
public static class RemoteUserRooms
{
    public static Task<bool> SharesRoomAsync(HomeserverDbContext db, string userId, string localServer, CancellationToken cancellationToken)
    {
        var suffix = ":" + localServer;
        var rooms = db.RoomMemberships.Where(m => m.UserId == userId && m.Membership == Memberships.Join).Select(m => m.RoomId);
        return db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => rooms.Contains(m.RoomId) && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix), cancellationToken);
    }
}
