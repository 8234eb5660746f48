using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.Upload;

/// <summary>POST /keys/upload: the device's identity keys, one-time keys and fallback keys; answers the one-time key counts.</summary>
public sealed record UploadKeysCommand(Requester Requester, JsonObject Body) : ICommand<JsonObject>;

/// <summary>
/// Device keys must describe the caller's own device; keys that differ from the stored ones replace them and are a
/// device-list change. One-time keys are idempotent per key ID (the same key again
/// is fine, another key under a used ID is refused); fallback keys replace the algorithm's previous one.
/// </summary>
public sealed class UploadKeysHandler(HomeserverDbContext db, UserKeyLocks locks, StreamIdGenerator streams, DeviceListTracker deviceLists, KeyCountCache keyCounts)
    : ICommandHandler<UploadKeysCommand, JsonObject>
{
    /// <summary>Bounds one upload (clients send up to ~50 one-time keys at a time).</summary>
    public const int MaxKeysPerUpload = 1000;

    private const string UnstableFallbackKeys = "org.matrix.msc2732.fallback_keys";

    public async ValueTask<JsonObject> Handle(UploadKeysCommand command, CancellationToken cancellationToken)
    {
        var (userId, deviceId) = (command.Requester.UserId, command.Requester.DeviceId);
        var body = command.Body;
        var deviceKeys = OptionalObject(body, "device_keys");
        var oneTimeKeys = ParseKeyMap(OptionalObject(body, "one_time_keys"), "one_time_keys");
        var fallbackKeys = ParseKeyMap(OptionalObject(body, "fallback_keys") ?? OptionalObject(body, UnstableFallbackKeys), "fallback_keys");
        if (deviceKeys is not null) CheckDeviceKeys(deviceKeys, userId, deviceId);
        if (oneTimeKeys.Count + fallbackKeys.Count > MaxKeysPerUpload) throw MatrixException.TooLarge($"At most {MaxKeysPerUpload} keys per upload");

        bool listChanged;
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            using var position = streams.Next();
            // New device keys also mark the device list changed (its own statement): one transaction for both. One-time and
            // fallback keys alone, the common upload, are one SaveChanges, all or nothing by itself.
            await using var transaction = deviceKeys is not null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            listChanged = deviceKeys is not null && await StoreDeviceKeysAsync(userId, deviceId, deviceKeys, cancellationToken);
            await StoreOneTimeKeysAsync(userId, deviceId, oneTimeKeys, cancellationToken);
            await StoreFallbackKeysAsync(userId, deviceId, fallbackKeys, cancellationToken);
            if (listChanged) await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
            keyCounts.Forget(userId, deviceId);
        }

        if (listChanged) await deviceLists.AnnounceAsync(userId, new DeviceListChanged(userId, deviceId), cancellationToken);
        var counts = new JsonObject();
        foreach (var (algorithm, count) in await OneTimeKeyCounts.CountAsync(db, userId, deviceId, cancellationToken)) counts[algorithm] = count;
        return new JsonObject { ["one_time_key_counts"] = counts };
    }

    private static void CheckDeviceKeys(JsonObject keys, string userId, string deviceId)
    {
        if (KeyJson.StringValue(keys["user_id"]) != userId || KeyJson.StringValue(keys["device_id"]) != deviceId)
        {
            throw MatrixException.InvalidParam("device_keys.user_id and device_id must be the caller's user and device");
        }

        if (keys["algorithms"] is not JsonArray algorithms || algorithms.Any(a => KeyJson.StringValue(a) is null))
        {
            throw MatrixException.BadJson("device_keys.algorithms must be an array of strings");
        }

        if (keys["keys"] is not JsonObject map || map.Count == 0 || map.Any(k => !k.Key.Contains(':') || KeyJson.StringValue(k.Value) is null))
        {
            throw MatrixException.BadJson("device_keys.keys must map <algorithm>:<device_id> to keys");
        }

        // Neither the ed25519:<device> key's presence nor the self-signature is checked here: every client checks them
        // when it queries the keys (a server cannot be trusted with that), and Synapse stores what the device uploads
        // (SyTest's devices upload placeholder keys).
        if (keys["signatures"] is not JsonObject) throw MatrixException.BadJson("device_keys.signatures must be an object");
    }

    /// <summary>Stores the keys; true when they differ from what was stored (a device-list change).</summary>
    private async Task<bool> StoreDeviceKeysAsync(string userId, string deviceId, JsonObject keys, CancellationToken cancellationToken)
    {
        var stored = (JsonObject)keys.DeepClone();
        stored.Remove("unsigned");
        var json = stored.ToJsonString();
        var existing = await db.DeviceKeys.FirstOrDefaultAsync(k => k.UserId == userId && k.DeviceId == deviceId, cancellationToken);
        if (existing is null)
        {
            db.DeviceKeys.Add(new DeviceKeys { UserId = userId, DeviceId = deviceId, Json = json });
            return true;
        }

        // New identity keys for a known device replace the old ones, as Synapse takes them: clients that knew the old keys
        // see the change when they query and refuse it (a device's keys must not change), so nothing is trusted here.
        var old = KeyJson.Parse(existing.Json);
        if (KeyJson.SignedPart(old) == KeyJson.SignedPart(stored) && JsonNode.DeepEquals(old["signatures"], stored["signatures"])) return false;
        existing.Json = json;
        return true;
    }

    private async Task StoreOneTimeKeysAsync(string userId, string deviceId, List<ParsedKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return;
        var ids = keys.Select(k => k.KeyId).ToList();
        var existing = await db.OneTimeKeys.AsNoTracking().Where(k => k.UserId == userId && k.DeviceId == deviceId && ids.Contains(k.KeyId))
            .ToListAsync(cancellationToken);
        foreach (var key in keys)
        {
            var same = existing.FirstOrDefault(e => e.Algorithm == key.Algorithm && e.KeyId == key.KeyId);
            if (same is not null)
            {
                if (!JsonNode.DeepEquals(JsonNode.Parse(same.Json), key.Value)) throw MatrixException.InvalidParam($"One-time key {key.Algorithm}:{key.KeyId} already exists with another value");
                continue;
            }

            db.OneTimeKeys.Add(new OneTimeKey { UserId = userId, DeviceId = deviceId, Algorithm = key.Algorithm, KeyId = key.KeyId, Json = key.Value.ToJsonString() });
        }
    }

    private async Task StoreFallbackKeysAsync(string userId, string deviceId, List<ParsedKey> keys, CancellationToken cancellationToken)
    {
        foreach (var group in keys.GroupBy(k => k.Algorithm))
        {
            // One fallback key per algorithm: the last one given wins.
            var key = group.Last();
            var json = key.Value.ToJsonString();
            var existing = await db.FallbackKeys.FirstOrDefaultAsync(k => k.UserId == userId && k.DeviceId == deviceId && k.Algorithm == key.Algorithm, cancellationToken);
            if (existing is null)
            {
                db.FallbackKeys.Add(new FallbackKey { UserId = userId, DeviceId = deviceId, Algorithm = key.Algorithm, KeyId = key.KeyId, Json = json });
            }
            else if (existing.KeyId != key.KeyId || !JsonNode.DeepEquals(JsonNode.Parse(existing.Json), key.Value))
            {
                // The same key uploaded again keeps its used flag; a new one starts unused.
                (existing.KeyId, existing.Json, existing.Used) = (key.KeyId, json, false);
            }
        }
    }

    private sealed record ParsedKey(string Algorithm, string KeyId, JsonNode Value);

    /// <summary>{"&lt;algorithm&gt;:&lt;key id&gt;": key (a string or an object holding "key")}.</summary>
    private static List<ParsedKey> ParseKeyMap(JsonObject? map, string name)
    {
        if (map is null) return [];
        var keys = new List<ParsedKey>(map.Count);
        foreach (var (id, value) in map)
        {
            var colon = id.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == id.Length - 1) throw MatrixException.BadJson($"{name}: key IDs are <algorithm>:<key id>");
            var valid = value switch
            {
                JsonValue v => v.GetValueKind() == JsonValueKind.String,
                JsonObject o => KeyJson.StringValue(o["key"]) is not null,
                _ => false,
            };
            if (!valid) throw MatrixException.BadJson($"{name}.{id} must be a key string or a signed key object");
            keys.Add(new ParsedKey(id[..colon], id[(colon + 1)..], value!.DeepClone()));
        }

        return keys;
    }

    private static JsonObject? OptionalObject(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonObject o => o,
        _ => throw MatrixException.BadJson($"{name} must be an object"),
    };
}
