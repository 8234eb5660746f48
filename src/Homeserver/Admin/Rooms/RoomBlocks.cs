using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>Rooms blocked by an admin. The membership service asks <see cref="ThrowIfBlockedAsync"/> before a local user joins, is invited or knocks.</summary>
public static class RoomBlocks
{
    /// <summary>403 M_FORBIDDEN when the room is blocked (Synapse's answer).</summary>
    public static async Task ThrowIfBlockedAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        if (await db.Set<BlockedRoom>().AnyAsync(b => b.RoomId == roomId, cancellationToken))
        {
            throw MatrixException.Forbidden("This room has been blocked on this server");
        }
    }

    /// <summary>The admin who blocked the room, or null when it is not blocked.</summary>
    public static Task<string?> BlockedByAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        db.Set<BlockedRoom>().AsNoTracking().Where(b => b.RoomId == roomId).Select(b => b.BlockedBy).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Blocks or unblocks; blocking a blocked room keeps the first admin's name.</summary>
    public static async Task SetAsync(HomeserverDbContext db, string roomId, bool block, string admin, long now, CancellationToken cancellationToken)
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
}
