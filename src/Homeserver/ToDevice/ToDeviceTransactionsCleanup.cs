using Matrix.Homeserver.Hosting;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.ToDevice;

/// <summary>
/// Forgets /sendToDevice transaction IDs after a day: long enough for any client retry (Synapse keeps
/// them for a similar time), so the table does not grow with every send ever made.
/// </summary>
public sealed class ToDeviceTransactionsCleanup(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ToDeviceTransactionsCleanup> logger)
    : PeriodicBackgroundService(Interval, clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    protected override Task TickAsync(CancellationToken stoppingToken) => RunOnceAsync(stoppingToken);

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            var cutoff = (Clock.GetUtcNow() - Retention).ToUnixTimeMilliseconds();
            return await db.ToDeviceTransactions.Where(t => t.CreatedTs < cutoff).ExecuteDeleteAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "To-device transaction clean-up failed; it runs again at the next tick");
            return 0;
        }
    }
}
