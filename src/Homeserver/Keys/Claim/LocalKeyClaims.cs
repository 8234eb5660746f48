using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Claim;

/// <summary>
/// Claims of local users' keys, for clients (/keys/claim) and other servers (/user/keys/claim): one key
/// per device and algorithm, a one-time key (deleted as it is taken, so two claimers never get the same
/// one), else the device's fallback key (marked used, and reused until replaced).
/// </summary>
public static class LocalKeyClaims
{
    /// <summary>Another claimer may take the key we picked; then we pick again, a bounded number of times.</summary>
    private const int MaxAttempts = 10;

    /// <summary>{user ID: {device ID: algorithm}} as a list of claims (400 M_BAD_JSON when malformed).</summary>
    public static List<(string UserId, string DeviceId, string Algorithm)> Parse(JsonObject byUser)
    {
        var claims = new List<(string UserId, string DeviceId, string Algorithm)>();
        foreach (var (userId, devices) in byUser)
        {
            if (devices is not JsonObject map) throw MatrixException.BadJson("one_time_keys values must map device IDs to algorithms");
            foreach (var (deviceId, algorithm) in map)
            {
                claims.Add((userId, deviceId, KeyJson.StringValue(algorithm) ?? throw MatrixException.BadJson("one_time_keys: algorithms must be strings")));
            }
        }

        return claims;
    }

    /// <summary>Claims the keys; answers {user ID: {device ID: {"algorithm:key ID": key}}} for the devices that had one.</summary>
    public static async Task<JsonObject> ClaimAsync(HomeserverDbContext db, SyncNotifier notifier, KeyCountCache keyCounts,
        IEnumerable<(string UserId, string DeviceId, string Algorithm)> claims, CancellationToken cancellationToken)
    {
        var keys = new JsonObject();
        var fallbackUsers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (userId, deviceId, algorithm) in claims)
        {
            var claimed = await ClaimOneTimeKeyAsync(db, userId, deviceId, algorithm, cancellationToken);
            if (claimed is null && await ClaimFallbackKeyAsync(db, userId, deviceId, algorithm, cancellationToken) is { } fallback)
            {
                claimed = fallback;
                fallbackUsers.Add(userId);
            }

            if (claimed is not { } key) continue;
            keyCounts.Forget(userId, deviceId);
            var devices = keys[userId] as JsonObject ?? (JsonObject)(keys[userId] = new JsonObject())!;
            devices[deviceId] = new JsonObject { [$"{algorithm}:{key.KeyId}"] = JsonNode.Parse(key.Json) };
        }

        // The owner's device now reports its fallback key as used; its client uploads a new one.
        notifier.NotifyUsers(fallbackUsers);
        return keys;
    }

    private static async Task<(string KeyId, string Json)?> ClaimOneTimeKeyAsync(HomeserverDbContext db, string userId, string deviceId, string algorithm, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var candidate = await db.OneTimeKeys.AsNoTracking()
                .Where(k => k.UserId == userId && k.DeviceId == deviceId && k.Algorithm == algorithm)
                .OrderBy(k => k.KeyId).Select(k => new { k.KeyId, k.Json }).FirstOrDefaultAsync(cancellationToken);
            if (candidate is null) return null;
            // Whoever deletes the row owns the key.
            var taken = await db.OneTimeKeys
                .Where(k => k.UserId == userId && k.DeviceId == deviceId && k.Algorithm == algorithm && k.KeyId == candidate.KeyId)
                .ExecuteDeleteAsync(cancellationToken);
            if (taken == 1) return (candidate.KeyId, candidate.Json);
        }

        return null;
    }

    private static async Task<(string KeyId, string Json)?> ClaimFallbackKeyAsync(HomeserverDbContext db, string userId, string deviceId, string algorithm, CancellationToken cancellationToken)
    {
        var key = await db.FallbackKeys.AsNoTracking().Where(k => k.UserId == userId && k.DeviceId == deviceId && k.Algorithm == algorithm)
            .Select(k => new { k.KeyId, k.Json, k.Used }).FirstOrDefaultAsync(cancellationToken);
        if (key is null) return null;
        if (!key.Used)
        {
            await db.FallbackKeys.Where(k => k.UserId == userId && k.DeviceId == deviceId && k.Algorithm == algorithm && k.KeyId == key.KeyId)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.Used, true), cancellationToken);
        }

        return (key.KeyId, key.Json);
    }
}
