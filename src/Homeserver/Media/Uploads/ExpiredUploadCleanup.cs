using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>
/// Deletes created media IDs whose content never arrived before unused_expires_at, so the table does
/// not grow with abandoned uploads, and any file an interrupted upload left behind.
/// </summary>
public sealed class ExpiredUploadCleanup(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    MediaFiles files,
    UploadSignals signals,
    TimeProvider clock,
    ILogger<ExpiredUploadCleanup> logger) : PeriodicBackgroundService(Interval, clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task TickAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Removing expired pending uploads failed; retrying later");
        }
    }

    /// <returns>How many expired IDs were removed.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expired = db.LocalMedia.Where(m => m.UploadedTs == null && m.UnusedExpiresTs <= now);
        var ids = await expired.Select(m => m.MediaId).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        var deleted = await db.LocalMedia.Where(m => ids.Contains(m.MediaId) && m.UploadedTs == null).ExecuteDeleteAsync(cancellationToken);
        foreach (var id in ids)
        {
            signals.Forget(id);
            files.Delete(new MediaKey(files.LocalOrigin, id));
        }

        return deleted;
    }
}
