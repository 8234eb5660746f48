using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>
/// Restores presence at start-up, applies the idle and offline timeouts every few seconds (a cheap
/// pass over the users who are not offline, remote users' federation timeout included), writes changed
/// presence in batches, and once more at shutdown.
/// </summary>
internal sealed class PresenceWorker(PresenceService presence, RemotePresence remote, HomeserverOptions options, TimeProvider clock, ILogger<PresenceWorker> logger) : BackgroundService
{
    private static readonly TimeSpan TimeoutCheckInterval = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (presence.Enabled) await presence.LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await presence.PersistAsync(cancellationToken);
        }
        catch (Exception e)
        {
            // A database gone or a stop cut short loses the last changes of a best-effort state; thrown, it failed the
            // host's stop and the process died with an unhandled exception instead of exiting.
            logger.LogWarning(e, "Writing presence at shutdown failed; its latest changes are lost");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!presence.Enabled) return;
        var persistEvery = TimeSpan.FromMilliseconds(options.Sync.PresencePersistIntervalMs);
        var lastPersist = clock.GetTimestamp();
        using var timer = new PeriodicTimer(TimeoutCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                presence.ApplyTimeouts();
                remote.ApplyTimeouts();
                if (clock.GetElapsedTime(lastPersist) >= persistEvery)
                {
                    await presence.PersistAsync(stoppingToken);
                    lastPersist = clock.GetTimestamp();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed pass is retried on the next tick; presence is best-effort by nature.
                logger.LogWarning(e, "Presence maintenance failed");
            }
        }
    }
}
