using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Sync;

namespace Matrix.Homeserver.Keys;

/// <summary>
/// Sync's device_lists (changed/left since the client's token; none in an initial sync, as the client
/// then queries everyone it needs), device_one_time_keys_count and device_unused_fallback_key_types.
/// </summary>
internal sealed class KeysSyncStream : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var (db, userId, deviceId) = (context.Db, context.UserId, context.Requester.DeviceId);
        if (context.Since is { } since)
        {
            var delta = await DeviceListChangesReader.ReadAsync(db, userId, since.Position, context.UpTo.Position, cancellationToken);
            response.DeviceListsChanged.UnionWith(delta.Changed);
            response.DeviceListsLeft.UnionWith(delta.Left);
        }

        foreach (var (algorithm, count) in await OneTimeKeyCounts.CountAsync(db, userId, deviceId, cancellationToken)) response.OneTimeKeysCount[algorithm] = count;
        response.UnusedFallbackKeyTypes.AddRange(await OneTimeKeyCounts.UnusedFallbackAlgorithmsAsync(db, userId, deviceId, cancellationToken));
    }
}
