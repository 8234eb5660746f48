using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync;

namespace Matrix.Homeserver.Keys;

/// <summary>
/// Sync's device_lists: changed/left since the client's token (none in an initial sync: the client then
/// queries everyone it needs). An idle sync costs one query: whether anything moved in the window.
/// </summary>
internal sealed class DeviceListsSyncStream(StreamChanges changes) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        if (context.Since is not { } since) return;
        if (!changes.DeviceLists.MayHaveChanged(StreamChanges.Anywhere, since.Position)) return;
        if (!await DeviceListChangesReader.AnyChangeAsync(context.Db, since.Position, context.UpTo.Position, cancellationToken)) return;
        var delta = await DeviceListChangesReader.ReadAsync(context.Db, context.UserId, since.Position, context.UpTo.Position, cancellationToken);
        response.DeviceListsChanged.UnionWith(delta.Changed);
        response.DeviceListsLeft.UnionWith(delta.Left);
    }
}

/// <summary>Sync's device_one_time_keys_count and device_unused_fallback_key_types (one query when not cached).</summary>
internal sealed class KeyCountsSyncStream(KeyCountCache keyCounts) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        (response.OneTimeKeysCount, response.UnusedFallbackKeyTypes) = await keyCounts.GetAsync(context, context.UserId, context.Requester.DeviceId, cancellationToken);
    }
}
