using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Aliases;

/// <summary>
/// The local room alias directory (#name:this.server → room ID), and resolution of any alias
/// (other servers' through <see cref="IRemoteRooms"/>).
/// </summary>
public sealed class RoomAliases(IRemoteRooms remote, HomeserverOptions options, TimeProvider clock, AppServiceRegistry appServices, AppServiceQueries appServiceQueries)
{
    /// <summary>The room an alias points to and the servers in it (this one first), or null.</summary>
    public async Task<ResolvedAlias?> ResolveAsync(HomeserverDbContext db, RoomAlias alias, CancellationToken cancellationToken)
    {
        if (!IsLocal(alias)) return await remote.ResolveAliasAsync(alias, cancellationToken);
        var roomId = await FindRoomIdAsync(db, alias, cancellationToken);
        // An alias of an application service's namespace may be made on demand: ask, then look again.
        if (roomId is null && await appServiceQueries.AliasProvidedAsync(alias.Value, cancellationToken)) roomId = await FindRoomIdAsync(db, alias, cancellationToken);
        return roomId is null ? null : new ResolvedAlias(roomId, await ServersInRoomAsync(db, roomId, cancellationToken));
    }

    private static Task<string?> FindRoomIdAsync(HomeserverDbContext db, RoomAlias alias, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().AsNoTracking().Where(a => a.Alias == alias.Value && a.RoomId != "").Select(a => a.RoomId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The local aliases of a room, in creation order.</summary>
    public Task<List<string>> ListAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().AsNoTracking().Where(a => a.RoomId == roomId)
            .OrderBy(a => a.CreatedTs).ThenBy(a => a.Alias).Select(a => a.Alias).ToListAsync(cancellationToken);

    public Task<RoomAliasMapping?> FindAsync(HomeserverDbContext db, RoomAlias alias, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().FirstOrDefaultAsync(a => a.Alias == alias.Value && a.RoomId != "", cancellationToken);

    /// <summary>
    /// Maps a new local alias to <paramref name="roomId"/> (empty: a reservation for a room being created).
    /// Throws 400 M_INVALID_PARAM for an alias this server may not create, and <paramref name="taken"/> when it exists.
    /// </summary>
    /// <param name="appServiceId">The application service creating it (its as_token), if any.</param>
    public async Task CreateAsync(HomeserverDbContext db, RoomAlias alias, string roomId, string creator, Func<MatrixException> taken, CancellationToken cancellationToken,
        string? appServiceId = null)
    {
        CheckCreatable(alias, appServiceId);
        var set = db.Set<RoomAliasMapping>();
        if (await set.AnyAsync(a => a.Alias == alias.Value, cancellationToken)) throw taken();
        set.Add(new RoomAliasMapping { Alias = alias.Value, RoomId = roomId, Creator = creator, CreatedTs = clock.GetUtcNow().ToUnixTimeMilliseconds() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request may have taken it between our check and insert: the primary key decides.
            db.ChangeTracker.Clear();
            if (await set.AnyAsync(a => a.Alias == alias.Value, cancellationToken)) throw taken();
            throw;
        }
    }

    /// <summary>Points a reserved alias at the room created for it.</summary>
    public Task CompleteReservationAsync(HomeserverDbContext db, RoomAlias alias, string roomId, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().Where(a => a.Alias == alias.Value && a.RoomId == "")
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.RoomId, roomId), cancellationToken);

    /// <summary>Drops a reservation whose room could not be created.</summary>
    public Task ReleaseReservationAsync(HomeserverDbContext db, RoomAlias alias, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().Where(a => a.Alias == alias.Value && a.RoomId == "").ExecuteDeleteAsync(cancellationToken);

    public Task DeleteAsync(HomeserverDbContext db, RoomAlias alias, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().Where(a => a.Alias == alias.Value).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Room upgrades move every local alias to the replacement room.</summary>
    public Task<int> MoveAsync(HomeserverDbContext db, string fromRoomId, string toRoomId, CancellationToken cancellationToken) =>
        db.Set<RoomAliasMapping>().Where(a => a.RoomId == fromRoomId).ExecuteUpdateAsync(s => s.SetProperty(a => a.RoomId, toRoomId), cancellationToken);

    public bool IsLocal(RoomAlias alias) => alias.Server.Value == options.ServerName;

    /// <summary>
    /// Synapse's rules for new aliases: local, and no whitespace in the localpart; an alias in an application
    /// service's exclusive namespace is that AS's alone, and an AS creates aliases only in its own namespace.
    /// </summary>
    public void CheckCreatable(RoomAlias alias, string? appServiceId = null)
    {
        if (!IsLocal(alias)) throw MatrixException.InvalidParam("Room alias must be local");
        if (alias.Localpart.Any(char.IsWhiteSpace)) throw MatrixException.InvalidParam("Invalid characters in room alias");
        var owner = appServices.ExclusiveOwnerOfAlias(alias.Value);
        if (appServiceId is null)
        {
            if (owner is not null) throw new MatrixException(400, ErrorCodes.Exclusive, "This alias is reserved by an application service.");
        }
        else if ((owner is not null && owner.Id != appServiceId) || appServices.ById(appServiceId)?.IsInterestedInAlias(alias.Value) != true)
        {
            throw new MatrixException(400, ErrorCodes.Exclusive, "This application service has not reserved this kind of alias.");
        }
    }

    /// <summary>This server first, then the other servers with joined members.</summary>
    private async Task<List<string>> ServersInRoomAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var members = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == roomId && m.Membership == Memberships.Join)
            .Select(m => m.UserId).ToListAsync(cancellationToken);
        var servers = members.Select(RequestIds.ServerOf).Where(s => s != options.ServerName).Distinct().Order(StringComparer.Ordinal);
        return [options.ServerName, .. servers];
    }
}
