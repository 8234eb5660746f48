using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Remote;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>The rooms API's seam to other servers, over federation (registered when federation is enabled).</summary>
public sealed class FederatedRooms(RemoteJoins joins, RemoteKnocks knocks, RemoteLeaves leaves, RemoteInvites invites, RemoteDirectory directory,
    RemoteSpaces spaces, RemoteThirdPartyInvites thirdPartyInvites)
    : IRemoteRooms
{
    public Task<string> JoinAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken) =>
        joins.JoinAsync(roomId, userId, servers, content, cancellationToken);

    public Task<string> KnockAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken) =>
        knocks.KnockAsync(roomId, userId, servers, content, cancellationToken);

    public Task<string> LeaveAsync(string roomId, string userId, JsonObject content, CancellationToken cancellationToken) =>
        leaves.LeaveAsync(roomId, userId, content, cancellationToken);

    public Task<string> InviteAsync(string roomId, EventDraft invite, CancellationToken cancellationToken) =>
        invites.InviteAsync(roomId, invite, cancellationToken);

    public Task ExchangeThirdPartyInviteAsync(string server, string roomId, JsonObject invite, CancellationToken cancellationToken) =>
        thirdPartyInvites.ExchangeAsync(server, roomId, invite, cancellationToken);

    public Task<JsonObject> ListPublicRoomsAsync(string server, DirectoryApi.PublicRoomsBody request, CancellationToken cancellationToken) =>
        directory.ListPublicRoomsAsync(server, request, cancellationToken);

    public Task<JsonObject?> GetSpaceAsync(string roomId, IReadOnlyList<string> servers, bool suggestedOnly, CancellationToken cancellationToken) =>
        spaces.GetAsync(roomId, servers, suggestedOnly, cancellationToken);

    public Task<ResolvedAlias?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken) =>
        directory.ResolveAliasAsync(alias, cancellationToken);
}
