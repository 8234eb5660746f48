using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Streams;
using Mediator;

namespace Matrix.Homeserver.Keys.DeviceLists;

/// <summary>A device added or renamed is a device-list change for everyone tracking the user (and other servers).</summary>
public sealed class DeviceChangedHandler(UserKeyLocks locks, StreamIdGenerator streams, DeviceListTracker deviceLists) : INotificationHandler<DeviceChanged>
{
    public async ValueTask Handle(DeviceChanged notification, CancellationToken cancellationToken)
    {
        var (userId, deviceId) = (notification.UserId, notification.DeviceId);
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            using var position = streams.Next();
            await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
        }

        await deviceLists.AnnounceAsync(userId, new DeviceListChanged(userId, deviceId), cancellationToken);
    }
}
