using System.Collections.Concurrent;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Keys;

/// <summary>What sync reports of a device's keys: one-time key counts per algorithm, unused fallback key algorithms.</summary>
public sealed record DeviceKeyCounts(IReadOnlyDictionary<string, long> OneTimeKeys, IReadOnlyList<string> UnusedFallbacks);

/// <summary>
/// Every /sync reports the device's key counts, and they change only when the device uploads keys, someone claims
/// one, or the device goes: kept between syncs, forgotten by each of those writers after its commit
/// (<see cref="Forget"/>). A read that raced with a write keeps nothing, so a count is never stale for longer than
/// the write's own commit.
/// </summary>
public sealed class KeyCountCache
{
    private readonly ConcurrentDictionary<(string UserId, string DeviceId), DeviceKeyCounts> _entries = new();
    private long _writes;

    public async Task<DeviceKeyCounts> GetAsync(IDbSource db, string userId, string deviceId, CancellationToken cancellationToken)
    {
        var key = (userId, deviceId);
        if (_entries.TryGetValue(key, out var cached)) return cached;
        var writes = Interlocked.Read(ref _writes);
        var (counts, unusedFallbacks) = await OneTimeKeyCounts.ReadAsync(db.Db, userId, deviceId, cancellationToken);
        var read = new DeviceKeyCounts(counts, unusedFallbacks);
        _entries[key] = read;
        // A write since the read began: its Forget may have run before this store, so drop what may be stale.
        if (Interlocked.Read(ref _writes) != writes) _entries.TryRemove(KeyValuePair.Create(key, read));
        return read;
    }

    /// <summary>After a commit that changed the device's one-time or fallback keys.</summary>
    public void Forget(string userId, string deviceId)
    {
        Interlocked.Increment(ref _writes);
        _entries.TryRemove((userId, deviceId), out _);
    }
}
