using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;

namespace Matrix.Homeserver.Rooms.Remote;

/// <summary>A room alias resolved by its server: the room and servers to join it through.</summary>
public sealed record ResolvedAlias(string RoomId, IReadOnlyList<string> Servers);

/// <summary>
/// The seam where room operations need another server: joining or knocking on a room this server
/// does not participate in, inviting a user of another server, resolving another server's alias.
/// The federation feature registers its implementation before the rooms feature; until then
/// <see cref="LocalOnlyRooms"/> answers as the spec does for a room or alias nobody here knows.
/// </summary>
public interface IRemoteRooms
{
    /// <summary>Joins through one of <paramref name="servers"/>; returns the join event's ID.</summary>
    Task<string> JoinAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken);

    /// <summary>Knocks through one of <paramref name="servers"/>; returns the knock event's ID.</summary>
    Task<string> KnockAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken);

    /// <summary>Fails unless invites to <paramref name="userId"/> (of another server) can be delivered.</summary>
    void EnsureCanInvite(string userId);

    /// <summary>Asks the alias's server; null when it does not know the alias.</summary>
    Task<ResolvedAlias?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken);
}
