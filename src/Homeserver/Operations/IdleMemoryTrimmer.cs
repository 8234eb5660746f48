using System.Diagnostics;
using Matrix.Homeserver.Hosting;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// Gives memory back to the system after a burst, once the server has gone quiet (<see cref="IdleMemoryTrim"/>): a
/// full, compacting collection that also releases the heap's free regions. The collector otherwise keeps what a burst
/// committed for the next one; after a thousand long-polls were answered a few times that is ~70 MiB more resident
/// memory than the live heap needs (docs/benchmarks.md). The collection (a few tens of milliseconds) runs only when
/// nothing is being served.
/// </summary>
public sealed class IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger) : PeriodicBackgroundService(SampleInterval)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly IdleMemoryTrim _policy = IdleMemoryTrim.Default();

    protected override Task TickAsync(CancellationToken stoppingToken)
    {
        if (!_policy.Sample(GC.GetTotalAllocatedBytes())) return Task.CompletedTask;
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var watch = Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _policy.Trimmed(GC.GetTotalAllocatedBytes());
        logger.LogDebug("Trimmed the managed heap in {Ms} ms: {Before} → {After} MiB committed", watch.ElapsedMilliseconds,
            committed >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
        return Task.CompletedTask;
    }
}
