using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync;

namespace Matrix.Homeserver.ToDevice;

/// <summary>
/// Sync's to_device section: the device's messages up to the answer's position (acknowledged ones are deleted first).
/// Skipped when nothing was sent to the user since the token and nothing delivered awaits acknowledgement.
/// </summary>
internal sealed class ToDeviceSyncStream(StreamChanges changes) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        if (context.Since is { } since && !changes.ToDevice.MayHaveChanged(context.UserId, since.Position)) return;
        var messages = await ToDeviceInbox.TakeAsync(context.Db, context.UserId, context.Requester.DeviceId, context.Since?.Position,
            context.UpTo.Position, cancellationToken);
        // Delivered messages are deleted by the sync that acknowledges them: that one must not be skipped.
        if (messages.Count > 0) changes.ToDevice.Mark(context.UserId, context.UpTo.Position + 1);
        response.ToDevice.AddRange(messages);
    }
}
