using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.DeviceLists;

/// <summary>
/// A deleted device takes its keys, its pending to-device messages and the signatures on it along;
/// everyone tracking the user's devices hears of it.
/// </summary>
public sealed class DeviceDeletedHandler(HomeserverDbContext db, UserKeyLocks locks, StreamIdGenerator streams, DeviceListTracker deviceLists, KeyCountCache keyCounts)
    : INotificationHandler<DeviceDeleted>
{
    public async ValueTask Handle(DeviceDeleted notification, CancellationToken cancellationToken)
    {
        var (userId, deviceId) = (notification.UserId, notification.DeviceId);
        using (await locks.AcquireAsync(userId, cancellationToken))
        {
            using var position = streams.Next();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // One command, one round trip (six ExecuteDeletes were six).
            await db.Database.ExecuteSqlAsync($"""
                DELETE FROM e2e_device_keys WHERE user_id = {userId} AND device_id = {deviceId};
                DELETE FROM e2e_one_time_keys WHERE user_id = {userId} AND device_id = {deviceId};
                DELETE FROM e2e_fallback_keys WHERE user_id = {userId} AND device_id = {deviceId};
                DELETE FROM e2e_cross_signing_signatures WHERE target_user_id = {userId} AND target_key_id = {deviceId};
                DELETE FROM to_device_messages WHERE user_id = {userId} AND device_id = {deviceId};
                DELETE FROM to_device_transactions WHERE user_id = {userId} AND device_id = {deviceId};
                """, cancellationToken);
            await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            keyCounts.Forget(userId, deviceId);
        }

        await deviceLists.AnnounceAsync(userId, new DeviceListChanged(userId, deviceId, Deleted: true), cancellationToken);
    }
}
