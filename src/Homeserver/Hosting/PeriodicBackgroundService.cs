namespace Matrix.Homeserver.Hosting;

/// <summary>
/// A background service that runs <see cref="TickAsync"/> every interval until the host stops (the first run one
/// interval after start, or <c>firstTickAfter</c> when given). A tick's failures are the tick's to handle: an exception
/// other than the host's cancellation ends the service.
/// </summary>
public abstract class PeriodicBackgroundService(TimeSpan interval, TimeProvider? clock = null, TimeSpan? firstTickAfter = null)
    : BackgroundService
{
    /// <summary>The clock the ticks follow (tests give a fake one).</summary>
    protected TimeProvider Clock { get; } = clock ?? TimeProvider.System;

    protected abstract Task TickAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, Clock);
        try
        {
            if (firstTickAfter is { } first)
            {
                await Task.Delay(first, Clock, stoppingToken);
                await TickAsync(stoppingToken);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken)) await TickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
