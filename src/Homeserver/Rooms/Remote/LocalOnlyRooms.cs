using System.Text.Json.Nodes;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Rooms.Remote;

/// <summary>No federation yet: rooms and aliases of other servers are unknown, as Synapse answers when no server can help.</summary>
internal sealed class LocalOnlyRooms : IRemoteRooms
{
    public Task<string> JoinAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound("No known servers");

    public Task<string> KnockAsync(string roomId, string userId, IReadOnlyList<string> servers, JsonObject content, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound("No known servers");

    public Task<string> LeaveAsync(string roomId, string userId, JsonObject content, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound("Not a known room");

    public Task<string> InviteAsync(string roomId, EventDraft invite, CancellationToken cancellationToken) =>
        throw MatrixException.Forbidden($"Cannot invite {invite.StateKey}: users of other servers cannot be reached");

    public Task ExchangeThirdPartyInviteAsync(string server, string roomId, JsonObject invite, CancellationToken cancellationToken) =>
        throw MatrixException.Forbidden($"Cannot accept the invite: {server}, the inviter's server, cannot be reached");

    public Task<JsonObject> ListPublicRoomsAsync(string server, DirectoryApi.PublicRoomsBody request, CancellationToken cancellationToken) =>
        throw MatrixException.NotFound($"Cannot list the rooms of {server}");

    public Task<JsonObject?> GetSpaceAsync(string roomId, IReadOnlyList<string> servers, bool suggestedOnly, CancellationToken cancellationToken) =>
        Task.FromResult<JsonObject?>(null);

    public Task<ResolvedAlias?> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken) => Task.FromResult<ResolvedAlias?>(null);
}
