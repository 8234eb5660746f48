using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Rooms.Directory;

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

    /// <summary>
    /// Leaves a room this server is not in (rejecting an invite, withdrawing a knock) through its servers; returns
    /// the leave event's ID.
    /// </summary>
    Task<string> LeaveAsync(string roomId, string userId, JsonObject content, CancellationToken cancellationToken);

    /// <summary>
    /// Invites a user of another server: that server signs the invite before it is persisted and sent to the room.
    /// Returns the invite's event ID.
    /// </summary>
    Task<string> InviteAsync(string roomId, EventDraft invite, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the inviter's server to turn a third-party invite's signed token into the member invite
    /// (PUT /exchange_third_party_invite); its refusal is the caller's answer.
    /// </summary>
    Task ExchangeThirdPartyInviteAsync(string server, string roomId, JsonObject invite, CancellationToken cancellationToken);

    /// <summary>Another server's published room directory (/publicRooms with server=), answered as that server gives it.</summary>
    Task<JsonObject> ListPublicRoomsAsync(string server, DirectoryApi.PublicRoomsBody request, CancellationToken cancellationToken);

    /// <summary>
    /// A room this server is not in, as one of <paramref name="servers"/> describes it for the space hierarchy: its
    /// summary with children_state (GET /hierarchy); null when none does.
    /// </summary>
    Task<JsonObject?> GetSpaceAsync(string roomId, IReadOnlyList<string> servers, bool suggestedOnly, CancellationToken cancellationToken);

    /// <summary>Asks the alias's server; null when it does not know the alias.</summary>
    Task<ResolvedAlias?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken);
}
