using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>Where a local user's key changes go: every other server with a user in one of the user's joined rooms.</summary>
public static class KeyEduDestinations
{
    public static async Task<IReadOnlyList<string>> ForUserAsync(HomeserverDbContext db, string userId, string localServer, CancellationToken cancellationToken)
    {
        var users = await SharedRooms.UsersSharingRoomsWith(db, userId).ToListAsync(cancellationToken);
        return [.. users.Select(RoomServers.ServerOf).Where(s => s != localServer).Distinct(StringComparer.Ordinal)];
    }
}
