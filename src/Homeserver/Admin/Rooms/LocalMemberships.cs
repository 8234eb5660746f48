using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>The membership rows of this server's users in a room (shutdown, purge guard, details).</summary>
internal static class LocalMemberships
{
    public static IQueryable<RoomMembership> In(HomeserverDbContext db, string roomId, string serverName)
    {
        var suffix = ":" + serverName;
        return db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.UserId.EndsWith(suffix));
    }
}
