using Matrix.Homeserver.Sync;

namespace Matrix.Homeserver.ToDevice;

/// <summary>Sync's to_device section: the device's messages up to the answer's position (acknowledged ones are deleted first).</summary>
internal sealed class ToDeviceSyncStream : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken) =>
        response.ToDevice.AddRange(await ToDeviceInbox.TakeAsync(context.Db, context.UserId, context.Requester.DeviceId, context.Since?.Position,
            context.UpTo.Position, cancellationToken));
}
