namespace Matrix.Homeserver.Operations;

/// <summary>
/// When to give the managed heap's unused memory back: once the process has allocated a good deal since the last trim
/// (a burst of work) and then allocated next to nothing for a while (it has gone quiet). Fed by samples of the
/// process's total allocated bytes; pure, so that the decision can be tested without a clock or a collector.
/// </summary>
public sealed class IdleMemoryTrim(long burstBytes, long quietBytesPerSample, int quietSamples)
{
    private long _lastTotal = -1;
    private long _totalAtTrim;
    private int _quietFor;

    /// <summary>
    /// The defaults: 64 MiB allocated since the last trim, then five one-second samples under 1 MiB each. Not sooner:
    /// a trim releases what the next burst commits again, page by page, and pauses in between bursts seconds apart
    /// (a room's messages) made every other burst slower.
    /// </summary>
    public static IdleMemoryTrim Default() => new(64L << 20, 1L << 20, 5);

    /// <summary>Takes one sample; true when the heap should be trimmed now (the caller then calls <see cref="Trimmed"/>).</summary>
    public bool Sample(long totalAllocated)
    {
        if (_lastTotal < 0)
        {
            _lastTotal = _totalAtTrim = totalAllocated;
            return false;
        }

        _quietFor = totalAllocated - _lastTotal <= quietBytesPerSample ? _quietFor + 1 : 0;
        _lastTotal = totalAllocated;
        return _quietFor >= quietSamples && totalAllocated - _totalAtTrim >= burstBytes;
    }

    /// <summary>Records a trim: the next needs another burst.</summary>
    public void Trimmed(long totalAllocated)
    {
        _totalAtTrim = _lastTotal = totalAllocated;
        _quietFor = 0;
    }
}
