using Matrix.Homeserver.Accounts;
using Mediator;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// Follows the accounts feature into rooms: a new display name or avatar is sent as a fresh join event
/// in every joined room (as Synapse does), and a deactivated account leaves every room and declines
/// every invite and knock.
/// </summary>
public sealed class AccountChangesInRooms(AccountMembershipChanges changes)
    : INotificationHandler<ProfileChanged>, INotificationHandler<UserDeactivated>
{
    public async ValueTask Handle(ProfileChanged notification, CancellationToken cancellationToken) =>
        await changes.UpdateProfileInRoomsAsync(notification.UserId, notification.DisplayName, notification.AvatarUrl, cancellationToken);

    public async ValueTask Handle(UserDeactivated notification, CancellationToken cancellationToken) =>
        await changes.LeaveAllRoomsAsync(notification.UserId, cancellationToken);
}
