using System.Diagnostics;
using System.Runtime;
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
/// memory than the live heap needs, and after start-up ~9 MiB. Start-up's first two quiet seconds already compact the
/// heap and unmap what start-up mapped (<see cref="QuietAfterBurst.ForStartupUnmap"/>): its trim waits for the JIT's
/// tier-ups, ~8 s more, with ~140 MiB resident.</item>
/// <item>Between those, every half minute of quiet unmaps again what the timers and the JIT's tier-ups mapped back
/// (<see cref="QuietAfterBurst.ForIdleUnmap"/>), and so do two quiet seconds after the JIT compiled anything since
/// the last time (<see cref="QuietAfterBurst.ForUnmapAfterJit"/>): one compilation maps back ~14 MiB (the JIT's code, the
/// runtime's, CoreLib's code and metadata), and a new server's timers tier up a few methods every few seconds for its
/// first minute or so, as the unmap's own helpers do after its first run.</item>
/// <item>Every trim also hands the C library's heap's free pages back (<see cref="NativeHeap"/>).</item>
/// <item>The pages of mapped files go back (<see cref="MappedFilePages.PageOut"/>) at start-up's trim (~60 MiB; most
/// are never read again), and after a burst only once a minute has passed in the quiet: the next request reads back
/// the ones it needs from the disk, which cost a lone message a few milliseconds and a room of a thousand long-polls'
/// first message up to ~55 ms when done five seconds after the burst. A burst's own trim only unmaps the read-only
/// mappings' file pages (<see cref="MappedFilePages.Unmap"/>; after the load the assemblies' shared mappings,
/// 15–30 MiB, and the code and read-only data, ~45 MiB), whose pages stay in the page cache: what the next burst needs
/// again costs it minor faults, no reads.</item>
/// </list>
/// All run only in the quiet (docs/benchmarks.md, fifteenth, sixteenth, forty-sixth to forty-ninth rounds).
/// </summary>
public sealed class IdleCollector(ILogger<IdleCollector> logger) : PeriodicBackgroundService(SampleInterval)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private const int TrimSampleEvery = 10;

    /// <summary>What start-up allocates, with room to spare (~16 MiB); more means clients came before the first quiet.</summary>
    private const long StartupBytes = 64L << 20;

    /// <summary>A quiet server's timers still compile a few methods a second as they tier up.</summary>
    private const int JitQuietMethodsPerSample = 20;

    private readonly QuietAfterBurst _young = QuietAfterBurst.ForYoungCollection();
    private QuietAfterBurst _trim = QuietAfterBurst.ForStartupTrim();
    private readonly QuietAfterBurst _pageOut = QuietAfterBurst.ForPageOut();
    private readonly QuietAfterBurst _unmap = QuietAfterBurst.ForIdleUnmap();
    private readonly QuietAfterBurst _afterJit = QuietAfterBurst.ForUnmapAfterJit();
    private QuietAfterBurst? _earlyUnmap = QuietAfterBurst.ForStartupUnmap();
    private bool _startup = true;
    private int _youngCollections = GC.CollectionCount(0);
    private long _ticks;
    private long _compiledMethods;

    /// <summary>The JIT's count of compiled methods when the mapped files' pages last went back.</summary>
    private long _compiledAtGiveBack;

    protected override Task TickAsync(CancellationToken stoppingToken)
    {
        var total = GC.GetTotalAllocatedBytes();
        // A collection of the collector's own emptied the young generation too: the burst counts from there.
        if (GC.CollectionCount(0) != _youngCollections) _young.Restart(total);
        var acted = ++_ticks % TrimSampleEvery == 0 && SlowSample(total);
        if (!acted && _young.Sample(total))
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            _young.Restart(GC.GetTotalAllocatedBytes());
        }

        _youngCollections = GC.CollectionCount(0);
        return Task.CompletedTask;
    }

    /// <summary>The one-second samples: start-up's early unmap, a trim, a page out of the mapped files or an unmap; true when one acted.</summary>
    private bool SlowSample(long total)
    {
        var compiled = JitInfo.GetCompiledMethodCount();
        var newlyCompiled = compiled - _compiledMethods;
        _compiledMethods = compiled;
        var jitBusy = newlyCompiled > JitQuietMethodsPerSample;
        var jitDoneSinceGiveBack = _afterJit.Sample(total, newlyCompiled > 0) && !_startup && compiled > _compiledAtGiveBack;
        if (_startup && _earlyUnmap?.Sample(total) == true)
        {
            // Start-up's first quiet seconds: its garbage and what it mapped go back at once, the pages kept in the page
            // cache for the JIT's tier-ups that still read some; the trim proper (a page out) follows once the JIT is quiet.
            _earlyUnmap = null;
            CompactHeap();
            var unmapped = MappedFilePages.Unmap();
            logger.LogDebug("Collected start-up's garbage and unmapped its {Mapped} MiB of mapped files", unmapped >> 20);
            return true;
        }

        // Start-up's trim waits for the JIT too: its tier-ups read the pages that trim gives back.
        if (_trim.Sample(total, _startup && jitBusy))
        {
            Trim();
            return true;
        }

        // A quiet minute sees its timers' code tier up now and then: not counted.
        if (_pageOut.Sample(total))
        {
            var pagedOut = MappedFilePages.PageOut();
            _pageOut.Restart(GC.GetTotalAllocatedBytes());
            GaveBack(GC.GetTotalAllocatedBytes());
            logger.LogDebug("Gave back the pages of {Mapped} MiB of mapped files", pagedOut >> 20);
            return true;
        }

        if (!_unmap.Sample(total, jitBusy) && !jitDoneSinceGiveBack) return false;
        // The resident figures (two reads of /proc/self/status) only when the debug log wants them.
        var debug = logger.IsEnabled(LogLevel.Debug);
        var (watch, resident) = (Stopwatch.StartNew(), debug ? Environment.WorkingSet : 0);
        MappedFilePages.Unmap();
        GaveBack(GC.GetTotalAllocatedBytes());
        if (debug)
            logger.LogDebug("Unmapped the mapped files' pages in {Ms} ms ({Why}): {Before} → {After} MiB resident", watch.ElapsedMilliseconds,
                jitDoneSinceGiveBack ? "after the JIT" : "half a minute", resident >> 20, Environment.WorkingSet >> 20);
        return true;
    }

    /// <summary>A full, compacting collection that also releases the heap's free regions.</summary>
    private static void CompactHeap() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>The mapped files' pages went back: the quiet spells that unmap again count from here.</summary>
    private void GaveBack(long total)
    {
        _unmap.Restart(total);
        _afterJit.Restart(total);
        _compiledAtGiveBack = JitInfo.GetCompiledMethodCount();
    }

    private void Trim()
    {
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var watch = Stopwatch.StartNew();
        CompactHeap();
        // Start-up's pages of mapped files, read once, go at once; a burst's (also one that came before start-up's trim)
        // are what the next burst needs again, so its trim only unmaps the read-only ones, whose pages stay cached: read
        // again without the disk.
        var total = GC.GetTotalAllocatedBytes();
        var pageOut = _startup && total < StartupBytes;
        var given = pageOut ? MappedFilePages.PageOut() : MappedFilePages.Unmap();
        // And the C library's heap keeps what the burst freed unless asked (~12 MiB after the load).
        NativeHeap.Trim();
        // Start-up's trim is done: from now on only a burst's.
        _startup = false;
        _trim = QuietAfterBurst.ForTrim();
        _trim.Restart(total);
        if (pageOut) _pageOut.Restart(total);
        GaveBack(total);
        _young.Restart(total);
        logger.LogDebug("Trimmed the managed heap and {Mapped} MiB of mapped files ({How}) in {Ms} ms: {Before} → {After} MiB committed",
            given >> 20, pageOut ? "paged out" : "unmapped", watch.ElapsedMilliseconds, committed >> 20,
            GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
    }
}
