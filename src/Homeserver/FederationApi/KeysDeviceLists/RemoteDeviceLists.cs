using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>A tracked remote user's devices as the cache holds them.</summary>
public sealed record CachedDeviceList(IReadOnlyList<RemoteDevice> Devices);

/// <summary>
/// The device-list cache of remote users we share rooms with (spec "Tracking the device list for a
/// user", Synapse's DeviceListUpdater). An m.device_list_update whose prev_id is the stream ID we hold is
/// applied as it is; one after a gap (or for a user not tracked yet) makes us fetch the whole list with
/// GET /user/devices. Every change marks the user's list changed, so local users sharing a room see them
/// in /sync device_lists.changed. Users nobody here shares a room with any more are forgotten: their
/// servers stop telling us, so what we hold would go stale. Work on one user is serialized.
/// </summary>
public sealed class RemoteDeviceLists(IServiceScopeFactory scopes, FederationClient client, KeyEduLocks locks, StreamIdGenerator streams,
    HomeserverOptions options, ILogger<RemoteDeviceLists> logger)
{
    /// <summary>The longest a resync triggered by an update may take.</summary>
    public static readonly TimeSpan ResyncTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Devices kept of one user; a /user/devices answer with more is refused.</summary>
    public const int MaxDevices = 10_000;

    /// <summary>Applies an update from the user's own server (checked by the caller).</summary>
    public async Task ApplyAsync(DeviceListUpdate update, CancellationToken cancellationToken)
    {
        var userId = update.UserId;
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            if (!await RemoteUserRooms.SharesRoomAsync(db, userId, options.ServerName, cancellationToken))
            {
                await ForgetAsync(db, userId, cancellationToken);
                return;
            }

            var known = await StreamIdAsync(db, userId, cancellationToken);
            if (known is { } held && update.StreamId <= held) return;
            if (known is null || update.PrevIds.Any(p => p != known))
            {
                logger.LogInformation("Device list of {UserId} has a gap (held {Held}, update {StreamId}): resyncing", userId, known, update.StreamId);
                await ResyncAsync(scope, userId, ResyncTimeout, cancellationToken);
                return;
            }

            await WriteAsync(scope, userId, update.StreamId, async () =>
            {
                var row = await db.Set<RemoteDevice>().FirstOrDefaultAsync(d => d.UserId == userId && d.DeviceId == update.DeviceId, cancellationToken);
                if (update.Deleted)
                {
                    if (row is not null) db.Remove(row);
                }
                else
                {
                    if (row is null) db.Add(row = new RemoteDevice { UserId = userId, DeviceId = update.DeviceId });
                    row.DisplayName = update.DisplayName;
                    row.KeysJson = update.Keys?.ToJsonString();
                }

                await db.SaveChangesAsync(cancellationToken);
            }, cancellationToken);
        }
    }

    /// <summary>Stores an m.signing_key_update from the user's own server (checked by the caller), for a user we share a room with.</summary>
    public async Task ApplySigningKeysAsync(string userId, JsonNode? master, JsonNode? selfSigning, CancellationToken cancellationToken)
    {
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            if (!await RemoteUserRooms.SharesRoomAsync(db, userId, options.ServerName, cancellationToken)) return;
            await WriteAsync(scope, userId, streamId: null, () => RemoteCrossSigningKeys.StoreAsync(db, userId, master, selfSigning, cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// The user's devices from the cache, fetched first when we share a room but do not track them yet.
    /// Null when we share no room with them or their server did not answer: ask it directly then.
    /// </summary>
    public async Task<CachedDeviceList?> GetAsync(string userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
            if (!await RemoteUserRooms.SharesRoomAsync(db, userId, options.ServerName, cancellationToken))
            {
                await ForgetAsync(db, userId, cancellationToken);
                return null;
            }

            if (await StreamIdAsync(db, userId, cancellationToken) is null && !await ResyncAsync(scope, userId, timeout, cancellationToken)) return null;
            return new CachedDeviceList(await db.Set<RemoteDevice>().AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.DeviceId).ToListAsync(cancellationToken));
        }
    }

    /// <summary>Drops what we hold of users nobody here shares a room with any more.</summary>
    public async Task ForgetUnsharedAsync(IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        foreach (var userId in userIds)
        {
            using (await locks.AcquireAsync(userId, cancellationToken))
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
                if (!await RemoteUserRooms.SharesRoomAsync(db, userId, options.ServerName, cancellationToken)) await ForgetAsync(db, userId, cancellationToken);
            }
        }
    }

    /// <summary>Replaces the user's cached list with their server's answer to /user/devices; false (and nothing cached) when it failed.</summary>
    private async Task<bool> ResyncAsync(AsyncServiceScope scope, string userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
        var server = RoomServers.ServerOf(userId);
        JsonObject answer;
        try
        {
            answer = await client.GetJsonAsync(server, $"/_matrix/federation/v1/user/devices/{FederationPath.Segment(userId)}",
                new FederationCallOptions(Timeout: timeout), cancellationToken);
        }
        catch (Exception e) when (e is FederationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Could not fetch the device list of {UserId}: {Error}", userId, e.Message);
            await ForgetAsync(db, userId, cancellationToken);
            return false;
        }

        if (KeyJson.StringValue(answer["user_id"]) != userId || DeviceListUpdate.Integer(answer["stream_id"]) is not { } streamId
            || answer["devices"] is not JsonArray devices || devices.Count > MaxDevices)
        {
            logger.LogInformation("{Server} answered a malformed device list for {UserId}", server, userId);
            await ForgetAsync(db, userId, cancellationToken);
            return false;
        }

        await WriteAsync(scope, userId, streamId, async () =>
        {
            await db.Set<RemoteDevice>().Where(d => d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            foreach (var device in devices.OfType<JsonObject>())
            {
                if (KeyJson.StringValue(device["device_id"]) is not { } deviceId || device["keys"] is not JsonObject keys
                    || !DeviceListUpdate.DeviceKeysAreFor(keys, userId, deviceId)) continue;
                db.Set<RemoteDevice>().Add(new RemoteDevice
                {
                    UserId = userId, DeviceId = deviceId, DisplayName = KeyJson.StringValue(device["device_display_name"]), KeysJson = keys.ToJsonString(),
                });
            }

            await db.SaveChangesAsync(cancellationToken);
            await RemoteCrossSigningKeys.StoreAsync(db, userId, answer["master_key"], answer["self_signing_key"], cancellationToken);
        }, cancellationToken);
        return true;
    }

    /// <summary>Runs <paramref name="change"/> and sets the held stream ID (when given) in one transaction that marks the user's list changed; then wakes the local users sharing a room.</summary>
    private async Task WriteAsync(AsyncServiceScope scope, string userId, long? streamId, Func<Task> change, CancellationToken cancellationToken)
    {
        var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
        var tracker = scope.ServiceProvider.GetRequiredService<DeviceListTracker>();
        using (var position = streams.Next())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await change();
            if (streamId is { } id)
            {
                var list = await db.Set<RemoteDeviceList>().FirstOrDefaultAsync(l => l.UserId == userId, cancellationToken);
                if (list is null) db.Add(new RemoteDeviceList { UserId = userId, StreamId = id });
                else list.StreamId = id;
                await db.SaveChangesAsync(cancellationToken);
            }

            await tracker.RecordAsync(userId, position.Position, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await tracker.AnnounceAsync(userId, notification: null, cancellationToken);
    }

    private static async Task<long?> StreamIdAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken) =>
        await db.Set<RemoteDeviceList>().AsNoTracking().Where(l => l.UserId == userId).Select(l => (long?)l.StreamId).FirstOrDefaultAsync(cancellationToken);

    private static async Task ForgetAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        await db.Set<RemoteDeviceList>().Where(l => l.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<RemoteDevice>().Where(d => d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }
}
