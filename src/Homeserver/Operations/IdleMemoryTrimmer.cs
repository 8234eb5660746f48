using System.Diagnostics;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// Gives memory back to the system after a burst, once the server has gone quiet (<see cref="IdleMemoryTrim"/>): a
/// full, compacting collection that also releases the heap's free regions. The collector otherwise keeps what a burst
/// committed for the next one; after a thousand long-polls were answered a few times that is ~70 MiB more resident
/// memory than the live heap needs (docs/benchmarks.md). The collection (a few tens of milliseconds) runs only when
/// nothing is being served.
/// </summary>
public sealed class IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = IdleMemoryTrim.Default();
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!policy.Sample(GC.GetTotalAllocatedBytes())) continue;
                var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
                var watch = Stopwatch.StartNew();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                policy.Trimmed(GC.GetTotalAllocatedBytes());
                logger.LogDebug("Trimmed the managed heap in {Ms} ms: {Before} → {After} MiB committed", watch.ElapsedMilliseconds,
                    committed >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
