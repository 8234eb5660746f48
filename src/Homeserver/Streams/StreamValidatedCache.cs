using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Streams;

/// <summary>
/// What one query read for a key (a user's memberships, a user's read receipts in a room), kept while the
/// key's <see cref="StreamChangeCache"/> shows no change after the position current when it was read: every
/// writer of the rows marks the key with its position before committing, so a later reader either sees that
/// mark or the value already holds the change. Woken syncs ask the same few things again and again; a cached
/// answer saves a database round trip each time. Bounded by <paramref name="capacity"/> units (an entry weighs what
/// its writer says); past it, the entries least recently used go (<see cref="GenerationalCache{TKey, TValue}"/>).
/// </summary>
public sealed class StreamValidatedCache<TValue>(StreamIdGenerator streams, StreamChangeCache changes, int capacity = 10_000)
{
    private sealed record Entry(TValue Value, long AsOf);

    private readonly GenerationalCache<string, Entry> _entries = new(capacity, StringComparer.Ordinal);

    /// <summary>The position to pass to <see cref="Set"/>: read it before the query.</summary>
    public long Position => streams.Current;

    public bool TryGet(string key, out TValue value)
    {
        if (_entries.TryGet(key, out var entry) && !changes.MayHaveChanged(key, entry.AsOf))
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Keeps what a query read; <paramref name="asOf"/> is <see cref="Position"/> as it was before the query ran.</summary>
    public void Set(string key, TValue value, long asOf, int size = 1) => _entries.Set(key, new Entry(value, asOf), size);
}
