namespace Matrix.Homeserver.Streams;

/// <summary>
/// The server's one ordered log of client-visible changes (room events, account data, receipts,
/// to-device messages, device lists...). Each change gets the next position before its transaction
/// commits; <see cref="Current"/> only advances past a position once every lower position has
/// committed or been abandoned, so a sync never reads past a gap that would later fill in.
/// </summary>
public sealed class StreamIdGenerator
{
    private readonly Lock _gate = new();
    private readonly SortedSet<long> _inFlight = [];
    private readonly List<(long Position, TaskCompletionSource Final)> _watchers = [];
    private long _last;
    private long _current;
    private long _start = long.MaxValue;

    /// <summary>Starts after the highest position already persisted.</summary>
    public void Initialize(long persistedMax)
    {
        lock (_gate)
        {
            _last = Math.Max(_last, persistedMax);
            _current = Math.Max(_current, persistedMax);
            _start = _last;
        }
    }

    /// <summary>The highest position persisted before this process started (the maximum until then): what this process did not see written.</summary>
    public long Start
    {
        get { lock (_gate) return _start; }
    }

    /// <summary>Every position at or below this is final.</summary>
    public long Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>The highest position reserved so far (final or not).</summary>
    public long Last
    {
        get { lock (_gate) return _last; }
    }

    /// <summary>Completes once <see cref="Current"/> has reached <paramref name="position"/>.</summary>
    public Task WhenFinalAsync(long position)
    {
        lock (_gate)
        {
            if (_current >= position) return Task.CompletedTask;
            var final = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchers.Add((position, final));
            return final.Task;
        }
    }

    /// <summary>
    /// Reserves the next position. Dispose the handle after the transaction commits (or fails):
    /// only then does <see cref="Current"/> move past it.
    /// </summary>
    public StreamPositionHandle Next()
    {
        lock (_gate)
        {
            var position = ++_last;
            _inFlight.Add(position);
            return new StreamPositionHandle(this, position);
        }
    }

    internal void Complete(long position)
    {
        lock (_gate)
        {
            _inFlight.Remove(position);
            _current = _inFlight.Count == 0 ? _last : _inFlight.Min - 1;
            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (_watchers[i].Position > _current) continue;
                _watchers[i].Final.TrySetResult();
                _watchers.RemoveAt(i);
            }
        }
    }
}

/// <summary>A reserved stream position; disposing it marks it final.</summary>
public sealed class StreamPositionHandle(StreamIdGenerator owner, long position) : IDisposable
{
    private int _completed;

    public long Position { get; } = position;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0) owner.Complete(Position);
    }
}
