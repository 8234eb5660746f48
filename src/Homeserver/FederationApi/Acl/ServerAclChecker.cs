using System.Collections.Concurrent;
using Matrix.Federation.Acl;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Acl;

/// <summary>
/// Server ACLs (m.room.server_acl in a room's current state) for federation endpoints. Check the server the
/// data comes from: for a PDU its sender's server, not only the transaction origin. Compiled ACLs are kept per
/// ACL event.
/// </summary>
public sealed class ServerAclChecker(IDbContextFactory<HomeserverDbContext> dbs, RoomStateReader state)
{
    private const int MaxCompiled = 4096;
    private readonly ConcurrentDictionary<string, ServerAcl> _compiled = new(StringComparer.Ordinal);

    public async Task<bool> IsAllowedAsync(string roomId, string serverName, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await IsAllowedAsync(db, roomId, serverName, cancellationToken);
    }

    /// <summary>Whether the server may take part in the room; a room without an ACL allows everyone.</summary>
    public async Task<bool> IsAllowedAsync(HomeserverDbContext db, string roomId, string serverName, CancellationToken cancellationToken)
    {
        var aclEvent = await state.GetStateEventAsync(db, roomId, EventTypes.ServerAcl, "", cancellationToken);
        if (aclEvent is null) return true;
        if (_compiled.Count >= MaxCompiled) _compiled.Clear();
        return _compiled.GetOrAdd(aclEvent.EventId, _ => ServerAcl.FromContent(aclEvent.Content)).IsAllowed(serverName);
    }

    /// <summary>Throws 403 M_FORBIDDEN when the room's ACL denies the server (spec "Server Access Control Lists").</summary>
    public async Task EnsureAllowedAsync(string roomId, string serverName, CancellationToken cancellationToken)
    {
        if (!await IsAllowedAsync(roomId, serverName, cancellationToken)) throw MatrixException.Forbidden("Server is banned from this room");
    }
}
