using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys;

/// <summary>What a device has left on the server: one-time keys per algorithm, unused fallback key algorithms.</summary>
public static class OneTimeKeyCounts
{
    /// <summary>Clients read this algorithm's count to decide when to upload more, so it is always present (as in Synapse).</summary>
    public const string SignedCurve25519 = "signed_curve25519";

    public static async Task<Dictionary<string, long>> CountAsync(HomeserverDbContext db, string userId, string deviceId, CancellationToken cancellationToken)
    {
        var counts = await db.OneTimeKeys.AsNoTracking().Where(k => k.UserId == userId && k.DeviceId == deviceId)
            .GroupBy(k => k.Algorithm).Select(g => new { g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, StringComparer.Ordinal, cancellationToken);
        counts.TryAdd(SignedCurve25519, 0);
        return counts;
    }

    public static async Task<List<string>> UnusedFallbackAlgorithmsAsync(HomeserverDbContext db, string userId, string deviceId, CancellationToken cancellationToken) =>
        await db.FallbackKeys.AsNoTracking().Where(k => k.UserId == userId && k.DeviceId == deviceId && !k.Used)
            .Select(k => k.Algorithm).OrderBy(a => a).ToListAsync(cancellationToken);

    private sealed class KeyCountRow
    {
        public required string Algorithm { get; init; }
        public long Count { get; init; }
        public bool Fallback { get; init; }
    }

    // Compiled once: every sync asks it.
    private static readonly Func<HomeserverDbContext, string, string, IAsyncEnumerable<KeyCountRow>> CountsAndFallbacks =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, string deviceId) =>
            db.Set<OneTimeKey>().Where(k => k.UserId == userId && k.DeviceId == deviceId)
                .GroupBy(k => k.Algorithm).Select(g => new KeyCountRow { Algorithm = g.Key, Count = g.LongCount(), Fallback = false })
                .Concat(db.Set<FallbackKey>().Where(k => k.UserId == userId && k.DeviceId == deviceId && !k.Used).Select(k => new KeyCountRow { Algorithm = k.Algorithm, Count = 0L, Fallback = true })));

    /// <summary>Both at once (sync asks for them on every answer): one query.</summary>
    public static async Task<(Dictionary<string, long> Counts, List<string> UnusedFallbacks)> ReadAsync(HomeserverDbContext db, string userId, string deviceId,
        CancellationToken cancellationToken)
    {
        var rows = await CountsAndFallbacks(db, userId, deviceId).ToListAsync(cancellationToken);
        var counts = rows.Where(r => !r.Fallback).ToDictionary(r => r.Algorithm, r => r.Count, StringComparer.Ordinal);
        counts.TryAdd(SignedCurve25519, 0);
        return (counts, [.. rows.Where(r => r.Fallback).Select(r => r.Algorithm).Order(StringComparer.Ordinal)]);
    }
}
