using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Devices;

/// <summary>Writes recorded device activity every <see cref="Interval"/>, and once more at shutdown.</summary>
public sealed class DeviceActivityFlusher(DeviceActivity activity, IDbContextFactory<HomeserverDbContext> dbFactory, ILogger<DeviceActivityFlusher> logger)
    : PeriodicBackgroundService(Interval)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override Task TickAsync(CancellationToken stoppingToken) => FlushAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!activity.HasPending) return;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await activity.FlushAsync(db, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Writing device activity failed; it is retried at the next flush");
        }
    }
}
