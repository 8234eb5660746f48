using System.Collections.Concurrent;

namespace Matrix.Homeserver.Rooms;

/// <summary>
/// One writer per room at a time, so a room's forward extremities, state and stream order never
/// race; different rooms proceed in parallel. Locks are dropped when nobody holds or waits for them.
/// </summary>
public sealed class RoomLocks
{
    private readonly ConcurrentDictionary<string, Entry> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string roomId, CancellationToken cancellationToken)
    {
        Entry entry;
        while (true)
        {
            entry = _locks.GetOrAdd(roomId, _ => new Entry());
            lock (entry)
            {
                // An entry being removed has Users < 0; take a fresh one.
                if (entry.Users >= 0)
                {
                    entry.Users++;
                    break;
                }
            }
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(roomId, entry, held: false);
            throw;
        }

        return new Releaser(() => Release(roomId, entry, held: true));
    }

    private void Release(string roomId, Entry entry, bool held)
    {
        if (held) entry.Semaphore.Release();
        lock (entry)
        {
            if (--entry.Users == 0)
            {
                entry.Users = -1;
                _locks.TryRemove(new KeyValuePair<string, Entry>(roomId, entry));
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int Users { get; set; }
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
