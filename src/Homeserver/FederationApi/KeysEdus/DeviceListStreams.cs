using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>
/// The per-user stream of m.device_list_update EDUs we send: each update takes the next stream ID of its
/// user and names the one before as prev_id, so a receiver that missed one sees the gap and resyncs.
/// </summary>
public static class DeviceListStreams
{
    /// <summary>The stream ID of the user's latest update (0 before the first).</summary>
    public static async Task<long> CurrentAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken) =>
        await db.Set<DeviceListOutboundStream>().AsNoTracking().Where(s => s.UserId == userId).Select(s => (long?)s.StreamId).FirstOrDefaultAsync(cancellationToken) ?? 0;

    /// <summary>Takes <paramref name="count"/> stream IDs (callers serialize per user); returns the ID before them.</summary>
    public static async Task<long> AdvanceAsync(HomeserverDbContext db, string userId, int count, CancellationToken cancellationToken)
    {
        var row = await db.Set<DeviceListOutboundStream>().FirstOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        if (row is null) db.Set<DeviceListOutboundStream>().Add(row = new DeviceListOutboundStream { UserId = userId });
        var previous = row.StreamId;
        row.StreamId += count;
        await db.SaveChangesAsync(cancellationToken);
        return previous;
    }
}
