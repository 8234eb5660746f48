using Matrix.Federation.Events;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi;

/// <summary>
/// The servers taking part in a room: those with a joined member in its current state (from the room's
/// snapshot, recomputed only when the current state changed).
/// </summary>
public sealed class RoomServers(RoomSnapshots snapshots)
{
    /// <summary>Whether a user of <paramref name="serverName"/> is joined to the room now.</summary>
    public static Task<bool> IsJoinedAsync(HomeserverDbContext db, string roomId, string serverName, CancellationToken cancellationToken)
    {
        var suffix = ":" + serverName;
        return db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => m.RoomId == roomId && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix), cancellationToken);
    }

    /// <summary>
    /// <see cref="IsJoinedAsync"/> without a read when the snapshot of the room's current state (as its head names it)
    /// is cached: every join and profile change of a local user asks it of our own server.
    /// </summary>
    public Task<bool> HasJoinedMemberAsync(HomeserverDbContext db, string roomId, string serverName, CancellationToken cancellationToken) =>
        snapshots.CachedCurrent(roomId) is { } snapshot
            ? Task.FromResult(snapshot.JoinedServers.Contains(serverName))
            : IsJoinedAsync(db, roomId, serverName, cancellationToken);

    /// <summary>Every server with a joined member in the room now (ours included when we are in it).</summary>
    public async Task<IReadOnlySet<string>> GetJoinedAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        (await snapshots.GetAsync(db, roomId, cancellationToken)).JoinedServers;

    /// <summary>The server part of a user ID (after the first colon).</summary>
    public static string ServerOf(string userId) => RequestIds.ServerOf(userId);
}
