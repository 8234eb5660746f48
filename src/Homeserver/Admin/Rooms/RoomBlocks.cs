using System.Collections.Immutable;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>
/// Rooms blocked by an admin. The membership service asks <see cref="ThrowIfBlockedAsync"/> before a local user joins, is
/// invited or knocks (every join and profile change), so the blocked rooms' IDs are kept in memory: read once, read again
/// after a block or unblock of this process (the only writer of the table).
/// </summary>
public sealed class RoomBlocks
{
    private readonly Lock _gate = new();
    private ImmutableHashSet<string>? _blocked;
    private long _changes;

    /// <summary>403 M_FORBIDDEN when the room is blocked (Synapse's answer).</summary>
    public async Task ThrowIfBlockedAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        if ((await BlockedAsync(db, cancellationToken)).Contains(roomId))
        {
            throw MatrixException.Forbidden("This room has been blocked on this server");
        }
    }

    /// <summary>The admin who blocked the room, or null when it is not blocked.</summary>
    public static Task<string?> BlockedByAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        db.Set<BlockedRoom>().AsNoTracking().Where(b => b.RoomId == roomId).Select(b => b.BlockedBy).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Blocks or unblocks; blocking a blocked room keeps the first admin's name.</summary>
    public async Task SetAsync(HomeserverDbContext db, string roomId, bool block, string admin, long now, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(db, roomId, block, admin, now, cancellationToken);
        }
        finally
        {
            // Whatever was written, the next check reads the table again.
            lock (_gate)
            {
                _changes++;
                _blocked = null;
            }
        }
    }

    private static async Task WriteAsync(HomeserverDbContext db, string roomId, bool block, string admin, long now, CancellationToken cancellationToken)
    {
        var blocks = db.Set<BlockedRoom>();
        if (!block)
        {
            await blocks.Where(b => b.RoomId == roomId).ExecuteDeleteAsync(cancellationToken);
            return;
        }

        if (await blocks.AnyAsync(b => b.RoomId == roomId, cancellationToken)) return;
        blocks.Add(new BlockedRoom { RoomId = roomId, BlockedBy = admin, BlockedTs = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another admin blocked it at the same moment: it is blocked, which is what was asked.
            db.ChangeTracker.Clear();
        }
    }

    private async ValueTask<ImmutableHashSet<string>> BlockedAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        long changes;
        lock (_gate)
        {
            if (_blocked is { } known) return known;
            changes = _changes;
        }

        var loaded = (await db.Set<BlockedRoom>().AsNoTracking().Select(b => b.RoomId).ToListAsync(cancellationToken)).ToImmutableHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            // A block or unblock while this read ran may be missing from it: used once, not kept.
            if (_changes == changes) _blocked = loaded;
        }

        return loaded;
    }
}
