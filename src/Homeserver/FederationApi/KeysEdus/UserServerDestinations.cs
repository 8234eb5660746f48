using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>Where a local user's own EDUs go (key changes, presence): every other server with a user joined to one of the user's joined rooms.</summary>
public sealed class UserServerDestinations(RoomServers servers)
{
    public async Task<IReadOnlyList<string>> ForUserAsync(HomeserverDbContext db, string userId, string localServer, CancellationToken cancellationToken)
    {
        var destinations = new HashSet<string>(StringComparer.Ordinal);
        // Per room through the servers cache (kept per current state), not by listing every member.
        foreach (var roomId in await SharedRooms.JoinedRooms(db, userId).ToListAsync(cancellationToken))
        {
            destinations.UnionWith(await servers.GetJoinedAsync(db, roomId, cancellationToken));
        }

        destinations.Remove(localServer);
        return [.. destinations.Order(StringComparer.Ordinal)];
    }
}
