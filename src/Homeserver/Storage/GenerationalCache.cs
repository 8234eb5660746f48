using System.Diagnostics.CodeAnalysis;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// A bounded cache that keeps what was used recently, for caches that fill up in normal use. Entries go into the current
/// generation; once it weighs half the bound it becomes the old one, and the old one before it is dropped. A hit in the
/// old generation moves the entry back into the current one, so what is in use survives. Every operation is O(1) and a
/// new entry is always taken: <c>MemoryCache</c> refuses new entries while it is at its bound, until a compaction on
/// another thread has sorted all of them, so an event cache at its bound stopped keeping the events just written, the
/// very ones every member's sync reads next (docs/benchmarks.md, seventeenth round).
/// </summary>
public sealed class GenerationalCache<TKey, TValue>(long maxWeight, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
    where TValue : class
{
    private readonly Lock _gate = new();
    private readonly long _generationWeight = Math.Max(1, maxWeight / 2);
    private Dictionary<TKey, (TValue Value, long Weight)> _current = new(comparer);
    private Dictionary<TKey, (TValue Value, long Weight)> _old = new(comparer);
    private long _currentWeight;

    /// <summary>Entries held now, in both generations.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _current.Count + _old.Count;
        }
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        lock (_gate)
        {
            if (_current.TryGetValue(key, out var entry))
            {
                value = entry.Value;
                return true;
            }

            if (_old.Remove(key, out entry))
            {
                Add(key, entry);
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Keeps the value (replacing one under the same key). An entry heavier than a generation is not kept.</summary>
    public void Set(TKey key, TValue value, long weight)
    {
        lock (_gate)
        {
            RemoveLocked(key);
            if (weight <= _generationWeight) Add(key, (value, weight));
        }
    }

    public void Remove(TKey key)
    {
        lock (_gate) RemoveLocked(key);
    }

    private void RemoveLocked(TKey key)
    {
        _old.Remove(key);
        if (_current.Remove(key, out var entry)) _currentWeight -= entry.Weight;
    }

    private void Add(TKey key, (TValue Value, long Weight) entry)
    {
        if (_currentWeight + entry.Weight > _generationWeight)
        {
            _old = _current;
            _current = new Dictionary<TKey, (TValue Value, long Weight)>(_old.Count, comparer);
            _currentWeight = 0;
        }

        _current[key] = entry;
        _currentWeight += entry.Weight;
    }
}
