using System.Collections.Concurrent;

namespace Matrix.Homeserver.Media;

/// <summary>
/// Runs one operation per key at a time: concurrent callers for the same key share the first one's
/// task (one remote fetch, one thumbnail generation), and the entry is dropped once it finishes.
/// </summary>
public sealed class SingleFlight<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _running = new();

    public async Task<TValue> RunAsync(TKey key, Func<Task<TValue>> operation)
    {
        var lazy = _running.GetOrAdd(key, _ => new Lazy<Task<TValue>>(operation));
        try
        {
            return await lazy.Value;
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, lazy));
        }
    }
}
