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
            await db.DeviceKeys.Where(k => k.UserId == userId && k.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await db.OneTimeKeys.Where(k => k.UserId == userId && k.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await db.FallbackKeys.Where(k => k.UserId == userId && k.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await db.CrossSigningSignatures.Where(s => s.TargetUserId == userId && s.TargetKeyId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await db.ToDeviceMessages.Where(m => m.UserId == userId && m.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await db.ToDeviceTransactions.Where(t => t.UserId == userId && t.DeviceId == deviceId).ExecuteDeleteAsync(cancellationToken);
            await deviceLists.RecordAsync(userId, position.Position, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            keyCounts.Forget(userId, deviceId);
        }

        await deviceLists.AnnounceAsync(userId, new DeviceListChanged(userId, deviceId, Deleted: true), cancellationToken);
    }
}
