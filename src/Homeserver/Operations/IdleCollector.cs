using System.Diagnostics;
using Matrix.Homeserver.Hosting;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// Collects garbage when nothing is being served, so that bursts of work do not pay for it (<see cref="QuietAfterBurst"/>):
/// <list type="bullet">
/// <item>A quiet spell after a burst empties the young generations. The collector's budget for them is about the
/// memory one wave of answers allocates (a message into a room of a thousand long-polls: ~30 MB), so its collection fell
/// inside nearly every wave and held every answer in flight for ~20 ms; each wave now starts with the budget whole.</item>
/// <item>The first quiet after start-up, and later a longer quiet after a larger burst, give memory back to the system:
/// a full, compacting collection that also releases the heap's free regions. The collector otherwise keeps what a burst
/// committed for the next one; after a thousand long-polls were answered a few times that is ~70 MiB more resident
/// memory than the live heap needs, and after start-up ~9 MiB.</item>
/// </list>
/// Both run only in the quiet (docs/benchmarks.md, fifteenth and sixteenth rounds).
/// </summary>
public sealed class IdleCollector(ILogger<IdleCollector> logger) : PeriodicBackgroundService(SampleInterval)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private const int TrimSampleEvery = 10;

    private readonly QuietAfterBurst _young = QuietAfterBurst.ForYoungCollection();
    private QuietAfterBurst _trim = QuietAfterBurst.ForStartupTrim();
    private int _youngCollections = GC.CollectionCount(0);
    private long _ticks;

    protected override Task TickAsync(CancellationToken stoppingToken)
    {
        var total = GC.GetTotalAllocatedBytes();
        // A collection of the collector's own emptied the young generation too: the burst counts from there.
        if (GC.CollectionCount(0) != _youngCollections) _young.Restart(total);
        if (++_ticks % TrimSampleEvery == 0 && _trim.Sample(total)) Trim();
        else if (_young.Sample(total))
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            _young.Restart(GC.GetTotalAllocatedBytes());
        }

        _youngCollections = GC.CollectionCount(0);
        return Task.CompletedTask;
    }

    private void Trim()
    {
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var watch = Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var total = GC.GetTotalAllocatedBytes();
        // Start-up's trim is done: from now on only a burst's.
        _trim = QuietAfterBurst.ForTrim();
        _trim.Restart(total);
        _young.Restart(total);
        logger.LogDebug("Trimmed the managed heap in {Ms} ms: {Before} → {After} MiB committed", watch.ElapsedMilliseconds,
            committed >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
    }
}
