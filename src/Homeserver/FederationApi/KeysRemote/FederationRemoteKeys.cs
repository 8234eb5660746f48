using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.FederationApi.KeysDeviceLists;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Keys.Remote;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysRemote;

/// <summary>
/// Client /keys/query and /keys/claim for users of other servers (Synapse's E2eKeysHandler): a query is
/// answered from the device-list cache for users we share a room with (fetched with /user/devices the
/// first time a client asks for all their devices), and with POST /user/keys/query for the others; a
/// claim always asks the server (POST /user/keys/claim). Everything one request asks a server for shares
/// the request's timeout; a failure is reported for the whole server, as the client API's failures are.
/// </summary>
public sealed class FederationRemoteKeys(FederationClient client, RemoteDeviceLists lists, IDbContextFactory<HomeserverDbContext> dbs) : IRemoteKeys
{
    /// <summary>Users of one query whose lists are read or fetched at once.</summary>
    private const int CacheConcurrency = 8;

    public async Task<JsonObject> QueryAsync(string serverName, JsonObject deviceKeys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            var devices = new JsonObject();
            var uncached = new JsonObject();
            var cachedUsers = new List<string>();
            var lookups = deviceKeys.Select(u => (UserId: u.Key, DeviceIds: DeviceIds(u.Value))).ToList();
            var found = new CachedDeviceList?[lookups.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, lookups.Count), new ParallelOptions { MaxDegreeOfParallelism = CacheConcurrency, CancellationToken = deadline.Token },
                async (i, ct) => found[i] = await lists.GetAsync(lookups[i].UserId, timeout, ct));
            for (var i = 0; i < lookups.Count; i++)
            {
                var (userId, deviceIds) = lookups[i];
                if (found[i] is { } cached)
                {
                    devices[userId] = CachedKeys(cached, deviceIds);
                    cachedUsers.Add(userId);
                }
                else
                {
                    uncached[userId] = new JsonArray([.. deviceIds.Select(d => JsonValue.Create(d))]);
                }
            }

            var answer = new JsonObject { ["device_keys"] = devices, ["master_keys"] = new JsonObject(), ["self_signing_keys"] = new JsonObject() };
            await AddCachedCrossSigningKeysAsync(answer, cachedUsers, deadline.Token);
            if (uncached.Count == 0) return answer;

            var left = timeout - TimeProvider.System.GetElapsedTime(started);
            var remote = await client.PostJsonAsync(serverName, "/_matrix/federation/v1/user/keys/query", new JsonObject { ["device_keys"] = uncached },
                new FederationCallOptions(Timeout: left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)), deadline.Token);
            foreach (var field in (string[])["device_keys", "master_keys", "self_signing_keys"])
            {
                if (remote[field] is not JsonObject byUser) continue;
                foreach (var (userId, value) in byUser)
                {
                    if (uncached.ContainsKey(userId)) answer[field]![userId] = value?.DeepClone();
                }
            }

            return answer;
        }
        catch (Exception e) when (RemoteFailures.Translate(e, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    public async Task<JsonObject> ClaimAsync(string serverName, JsonObject oneTimeKeys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await client.PostJsonAsync(serverName, "/_matrix/federation/v1/user/keys/claim", new JsonObject { ["one_time_keys"] = oneTimeKeys.DeepClone() },
                new FederationCallOptions(Timeout: timeout), cancellationToken);
        }
        catch (Exception e) when (RemoteFailures.Translate(e, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>A tracked user's device keys as /keys/query shows them: unsigned.device_display_name added; only the asked devices when some were named.</summary>
    private static JsonObject CachedKeys(CachedDeviceList cached, List<string> deviceIds)
    {
        var result = new JsonObject();
        foreach (var device in cached.Devices)
        {
            if (device.KeysJson is null || (deviceIds.Count > 0 && !deviceIds.Contains(device.DeviceId))) continue;
            var keys = KeyJson.Parse(device.KeysJson);
            if (device.DisplayName is not null) keys["unsigned"] = new JsonObject { ["device_display_name"] = device.DisplayName };
            result[device.DeviceId] = keys;
        }

        return result;
    }

    private async Task AddCachedCrossSigningKeysAsync(JsonObject answer, List<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0) return;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        foreach (var (userId, set) in await KeyReader.CrossSigningKeysAsync(db, userIds, viewer: "", cancellationToken))
        {
            if (set.Master is not null) answer["master_keys"]![userId] = set.Master;
            if (set.SelfSigning is not null) answer["self_signing_keys"]![userId] = set.SelfSigning;
        }
    }

    private static List<string> DeviceIds(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(KeyJson.StringValue).OfType<string>()] : [];
}
