using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Pushers;

/// <summary>
/// Follows the accounts feature: a deleted device (logout, device deletion, password change) takes
/// its pushers along, so a logged-out phone stops getting pushes; a deactivated account loses its
/// pushers, push rules and notifications.
/// </summary>
public sealed class PusherCleanup(HomeserverDbContext db, PusherService pushers, PushRuleStore rules)
    : INotificationHandler<DeviceDeleted>, INotificationHandler<UserDeactivated>
{
    public async ValueTask Handle(DeviceDeleted notification, CancellationToken cancellationToken) =>
        await pushers.RemoveForDevicesAsync(db, notification.UserId, [notification.DeviceId], cancellationToken);

    public async ValueTask Handle(UserDeactivated notification, CancellationToken cancellationToken)
    {
        await pushers.RemoveAllForUserAsync(db, notification.UserId, cancellationToken);
        await rules.RemoveAllAsync(db, notification.UserId, cancellationToken);
        // The user's own rows; the rooms' shared rows stop counting for them as they leave their rooms.
        await db.Database.ExecuteSqlAsync($"DELETE FROM event_push_actions WHERE user_id = {notification.UserId}", cancellationToken);
    }
}
