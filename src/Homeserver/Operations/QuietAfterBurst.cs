namespace Matrix.Homeserver.Operations;

/// <summary>
/// Whether the process has gone quiet after a burst of work: it allocated a good deal since the last time this said so
/// (or since <see cref="Restart"/>), and then next to nothing for a few samples in a row. Fed by samples of the
/// process's total allocated bytes; pure, so that the decision can be tested without a clock or a collector.
/// </summary>
public sealed class QuietAfterBurst(long burstBytes, long quietBytesPerSample, int quietSamples)
{
    private long _lastTotal = -1;
    private long _totalAtRestart;
    private int _quietFor;

    /// <summary>
    /// When to give the heap's free memory back: 64 MiB allocated, then five one-second samples under 1 MiB each. Not
    /// sooner: a trim releases what the next burst commits again, page by page, and trims between bursts a few seconds
    /// apart (a room's messages) made every other burst slower.
    /// </summary>
    public static QuietAfterBurst ForTrim() => new(64L << 20, 1L << 20, 5);

    /// <summary>
    /// When to give back what start-up left committed: five quiet one-second samples, whatever it allocated. Start-up
    /// allocates only ~11 MiB, but the heap keeps ~9 MiB of free regions committed after it, a sixth of the process's
    /// anonymous memory at idle (docs/benchmarks.md, twenty-first round).
    /// </summary>
    public static QuietAfterBurst ForStartupTrim() => new(0, 1L << 20, 5);

    /// <summary>
    /// When to unmap what start-up mapped, before its trim: two quiet one-second samples, whatever the JIT does. Start-up
    /// leaves ~140 MiB resident, and the JIT's tier-ups hold its trim back for ~8 s more.
    /// </summary>
    public static QuietAfterBurst ForStartupUnmap() => new(0, 1L << 20, 2);

    /// <summary>
    /// When to give back the pages of mapped files after a burst: 64 MiB allocated, then a minute of one-second samples
    /// under 1 MiB each. The next burst reads back what it uses, a few milliseconds on its first request; after a minute
    /// of quiet that is rarely a burst's next request.
    /// </summary>
    public static QuietAfterBurst ForPageOut() => new(64L << 20, 1L << 20, 60);

    /// <summary>
    /// When to unmap the pages of mapped files that a quiet server mapped back (its timers, the JIT's tier-ups): half a
    /// minute of one-second samples under 1 MiB each, whatever came before, again after every half minute of quiet. The
    /// pages stay in the page cache, so what is needed again costs a minor fault.
    /// </summary>
    public static QuietAfterBurst ForIdleUnmap() => new(0, 1L << 20, 30);

    /// <summary>
    /// When to unmap once the JIT has compiled something since the last time: two one-second samples under 1 MiB each
    /// with no method compiled (the caller passes a compilation as busy). A tier-up comes in a burst of a few methods, and
    /// the pages it mapped back are the JIT's own and the metadata it read, which the quiet server does not touch again;
    /// a quiet server tiers up every few seconds for its first minute, so a longer wait kept them mapped most of it.
    /// </summary>
    public static QuietAfterBurst ForUnmapAfterJit() => new(0, 1L << 20, 2);

    /// <summary>
    /// When to empty the young generations: 1 MiB allocated since the last collection (seen by the sampler: what a burst
    /// allocated between a collection of the runtime's and the next sample is not counted, often most of what is left),
    /// then three 100 ms samples under 256 KiB each (a client's pause between requests is shorter; a room's wave of
    /// answers is over).
    /// </summary>
    public static QuietAfterBurst ForYoungCollection() => new(1L << 20, 256L << 10, 3);

    /// <summary>
    /// Takes one sample; true when the burst is over and the quiet has lasted (the caller then calls <see cref="Restart"/>).
    /// <paramref name="busyOtherwise"/> makes the sample not quiet whatever was allocated (the JIT still compiling).
    /// </summary>
    public bool Sample(long totalAllocated, bool busyOtherwise = false)
    {
        if (_lastTotal < 0)
        {
            _lastTotal = _totalAtRestart = totalAllocated;
            return false;
        }

        _quietFor = !busyOtherwise && totalAllocated - _lastTotal <= quietBytesPerSample ? _quietFor + 1 : 0;
        _lastTotal = totalAllocated;
        return _quietFor >= quietSamples && totalAllocated - _totalAtRestart >= burstBytes;
    }

    /// <summary>Counts the next burst from here (after the caller acted, or after something else did the same).</summary>
    public void Restart(long totalAllocated)
    {
        _totalAtRestart = _lastTotal = totalAllocated;
        _quietFor = 0;
    }
}
