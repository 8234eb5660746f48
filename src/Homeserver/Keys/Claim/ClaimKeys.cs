using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.Remote;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Claim;

/// <summary>POST /keys/claim: {user ID: {device ID: algorithm}}.</summary>
public sealed record ClaimKeysCommand(Requester Requester, JsonObject OneTimeKeys, TimeSpan Timeout) : ICommand<JsonObject>;

/// <summary>
/// Hands out one key per device and algorithm: a one-time key (deleted as it is taken, so two claimers
/// never get the same one), else the device's fallback key (marked used, and reused until replaced).
/// </summary>
public sealed class ClaimKeysHandler(HomeserverDbContext db, IRemoteKeys remote, SyncNotifier notifier, HomeserverOptions options)
    : ICommandHandler<ClaimKeysCommand, JsonObject>
{
    public const int MaxClaims = 1000;

    /// <summary>Another claimer may take the key we picked; then we pick again, a bounded number of times.</summary>
    private const int MaxAttempts = 10;

    public async ValueTask<JsonObject> Handle(ClaimKeysCommand command, CancellationToken cancellationToken)
    {
        var (local, remoteUsers) = RemoteUsers.Split(command.OneTimeKeys, options.ServerName);
        var claims = new List<(string UserId, string DeviceId, string Algorithm)>();
        foreach (var (userId, devices) in local)
        {
            if (devices is not JsonObject map) throw MatrixException.BadJson("one_time_keys values must map device IDs to algorithms");
            foreach (var (deviceId, algorithm) in map)
            {
                claims.Add((userId, deviceId, KeyJson.StringValue(algorithm) ?? throw MatrixException.BadJson("one_time_keys: algorithms must be strings")));
            }
        }

        if (claims.Count > MaxClaims) throw MatrixException.TooLarge($"At most {MaxClaims} keys per claim");

        var keys = new JsonObject();
        var fallbackUsers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (userId, deviceId, algorithm) in claims)
        {
            var claimed = await ClaimOneTimeKeyAsync(userId, deviceId, algorithm, cancellationToken);
            if (claimed is null && await ClaimFallbackKeyAsync(userId, deviceId, algorithm, cancellationToken) is { } fallback)
            {
                claimed = fallback;
                fallbackUsers.Add(userId);
            }

            if (claimed is not { } key) continue;
            var devices = keys[userId] as JsonObject ?? (JsonObject)(keys[userId] = new JsonObject())!;
            devices[deviceId] = new JsonObject { [$"{algorithm}:{key.KeyId}"] = JsonNode.Parse(key.Json) };
        }

        // The owner's device now reports its fallback key as used; its client uploads a new one.
        notifier.NotifyUsers(fallbackUsers.Where(u => UserIds.IsLocal(u, options.ServerName)));

        var (answers, failures) = await RemoteUsers.AskAsync(remoteUsers, (server, users) => remote.ClaimAsync(server, users, command.Timeout, cancellationToken));
        foreach (var (server, answer) in answers)
        {
            if (answer["one_time_keys"] is not JsonObject remoteKeys) continue;
            foreach (var (userId, devices) in remoteKeys)
            {
                if (devices is JsonObject && UserIds.TryParse(userId, out _, out var userServer) && userServer == server) keys[userId] = devices.DeepClone();
            }
        }

        return new JsonObject { ["one_time_keys"] = keys, ["failures"] = failures };
    }

    private async Task<(string KeyId, string Json)?> ClaimOneTimeKeyAsync(string userId, string deviceId, string algorithm, CancellationToken cancellationToken)
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

    private async Task<(string KeyId, string Json)?> ClaimFallbackKeyAsync(string userId, string deviceId, string algorithm, CancellationToken cancellationToken)
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
