using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms;

/// <summary>
/// Resolves the {roomIdOrAlias} of /join, /knock and /room_summary: an alias becomes its room and the
/// alias's servers; a room ID keeps the client's via servers. An unknown alias is 404 M_NOT_FOUND.
/// </summary>
public sealed class RoomTargets(IDbContextFactory<HomeserverDbContext> dbFactory, RoomAliases aliases)
{
    public async Task<ResolvedAlias> ResolveAsync(string roomIdOrAlias, IReadOnlyList<string> via, CancellationToken cancellationToken)
    {
        if (!roomIdOrAlias.StartsWith('#')) return new ResolvedAlias(RequestIds.RoomId(roomIdOrAlias), via);
        var alias = RequestIds.Alias(roomIdOrAlias);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var resolved = await aliases.ResolveAsync(db, alias, cancellationToken)
            ?? throw MatrixException.NotFound($"Room alias {alias.Value} not found");
        return new ResolvedAlias(resolved.RoomId, [.. via, .. resolved.Servers.Except(via)]);
    }
}
