using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>
/// Who may read a room's events over federation: a server the room's ACL allows, with a member joined to the room
/// now (Synapse's assert_host_in_room), or any allowed server when the room is world-readable. Which events it then
/// sees whole is <see cref="ServerEventView"/>'s business.
/// </summary>
public sealed class ServerRoomAccess(ServerAclChecker acls, RoomStateReader state, EventStore events, RoomServers servers)
{
    /// <summary>The room's version; 403 M_FORBIDDEN when the server may not read the room (or we do not know it).</summary>
    public async Task<RoomVersion> EnsureCanReadAsync(HomeserverDbContext db, string roomId, string serverName, CancellationToken cancellationToken)
    {
        var version = await events.GetRoomVersionAsync(db, roomId, cancellationToken) ?? throw MatrixException.Forbidden("Server is not in the room");
        if (!await acls.IsAllowedAsync(db, roomId, serverName, cancellationToken)) throw MatrixException.Forbidden("Server is denied by the room's server ACL");
        if (await servers.HasJoinedMemberAsync(db, roomId, serverName, cancellationToken)) return version;

        var visibility = await state.GetStateEventAsync(db, roomId, EventTypes.HistoryVisibility, "", cancellationToken);
        if (visibility?.Content["history_visibility"] is JsonValue v && v.TryGetValue(out string? value) && value == "world_readable") return version;
        throw MatrixException.Forbidden("Server is not in the room");
    }
}
