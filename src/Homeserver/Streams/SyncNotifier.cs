using System.Collections.Concurrent;

namespace Matrix.Homeserver.Streams;

/// <summary>
/// Wakes the long-polling /sync requests of the users a change concerns, and nobody else. An idle
/// wait is a parked task: it costs no CPU.
/// </summary>
public sealed class SyncNotifier(StreamIdGenerator streams)
{
    private readonly ConcurrentDictionary<string, Signal> _signals = new(StringComparer.Ordinal);
    private int _waiters;

    /// <summary>Long-polls parked right now (the matrix_sync_waiters gauge).</summary>
    public int Waiters => Volatile.Read(ref _waiters);

    /// <summary>The user's change counter; read it before computing a sync, then wait for it to move.</summary>
    public long Version(string userId) => _signals.GetOrAdd(userId, _ => new Signal()).Version;

    public void NotifyUser(string userId) => NotifyUsers([userId]);

    private void Fire(string userId)
    {
        if (_signals.TryGetValue(userId, out var signal)) signal.Fire();
    }

    /// <summary>
    /// Wakes the users now and, when a lower stream position (anyone's write) is still in flight, once
    /// more when every position reserved so far is final: until then a sync reads below the change, and
    /// a sync that read the counter after this wake-up would otherwise sleep through it.
    /// </summary>
    public void NotifyUsers(IEnumerable<string> userIds)
    {
        var users = userIds as IReadOnlyCollection<string> ?? [.. userIds];
        foreach (var userId in users) Fire(userId);
        var reserved = streams.Last;
        if (streams.Current >= reserved) return;
        _ = streams.WhenFinalAsync(reserved).ContinueWith(_ =>
        {
            foreach (var userId in users) Fire(userId);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Records that a sync of the user answered up to the position (a sync token's two parts), computed after reading
    /// <paramref name="version"/>: every change for the user after that position moves the counter after that read
    /// (see <see cref="NotifyUsers"/>).
    /// </summary>
    public void Answered(string userId, long position, long serial, long version) =>
        _signals.GetOrAdd(userId, _ => new Signal()).Answered(position, serial, version);

    /// <summary>
    /// When a long-poll resumes at the user's last answer: the counter value read before that answer was computed.
    /// While the counter still has it, nothing for the user lies after the answer's position.
    /// </summary>
    public bool TryResume(string userId, long position, long serial, out long version)
    {
        version = 0;
        return _signals.TryGetValue(userId, out var signal) && signal.TryResume(position, serial, out version);
    }

    /// <summary>Completes when the user's counter moves past <paramref name="seenVersion"/>, or after the timeout.</summary>
    public async Task<bool> WaitAsync(string userId, long seenVersion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signal = _signals.GetOrAdd(userId, _ => new Signal());
        var changed = signal.ChangedSince(seenVersion);
        if (changed.IsCompleted) return true;
        Interlocked.Increment(ref _waiters);
        try
        {
            await changed.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    private sealed class Signal
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _version;
        private (long Position, long Serial, long Version)? _answered;

        public long Version
        {
            get { lock (_gate) return _version; }
        }

        public Task ChangedSince(long seen)
        {
            lock (_gate) return _version != seen ? Task.CompletedTask : _next.Task;
        }

        public void Answered(long position, long serial, long version)
        {
            lock (_gate) _answered = (position, serial, version);
        }

        public bool TryResume(long position, long serial, out long version)
        {
            lock (_gate)
            {
                version = _answered?.Version ?? 0;
                return _answered is { } a && a.Position == position && a.Serial == serial;
            }
        }

        public void Fire()
        {
            TaskCompletionSource fired;
            lock (_gate)
            {
                _version++;
                fired = _next;
                _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            fired.TrySetResult();
        }
    }
}
