using System.Collections.Concurrent;
using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi;

/// <summary>
/// The servers taking part in a room: those with a joined member in its current state. The set of a room is
/// cached by its current state group, so it is recomputed only when the current state changed.
/// </summary>
public sealed class RoomServers
{
    private const int MaxCached = 4096;
    private readonly ConcurrentDictionary<string, (long? Group, IReadOnlySet<string> Servers)> _cache = new(StringComparer.Ordinal);

    /// <summary>Whether a user of <paramref name="serverName"/> is joined to the room now.</summary>
    public static Task<bool> IsJoinedAsync(HomeserverDbContext db, string roomId, string serverName, CancellationToken cancellationToken)
    {
        var suffix = ":" + serverName;
        return db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => m.RoomId == roomId && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix), cancellationToken);
    }

    /// <summary>Every server with a joined member in the room now (ours included when we are in it).</summary>
    public async Task<IReadOnlySet<string>> GetJoinedAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var group = await db.Rooms.AsNoTracking().Where(r => r.RoomId == roomId).Select(r => r.CurrentStateGroup).FirstOrDefaultAsync(cancellationToken);
        if (_cache.TryGetValue(roomId, out var cached) && cached.Group == group && group is not null) return cached.Servers;

        var members = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.Membership == Memberships.Join).Select(m => m.UserId).ToListAsync(cancellationToken);
        var servers = members.Select(ServerOf).ToHashSet(StringComparer.Ordinal);
        if (_cache.Count >= MaxCached) _cache.Clear();
        _cache[roomId] = (group, servers);
        return servers;
    }

    /// <summary>The server part of a user ID (after the first colon).</summary>
    public static string ServerOf(string userId) => userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..];
}
