using Matrix.Homeserver.Events.Pipeline;
using Mediator;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>Sending into a room is activity: local senders become online and currently active.</summary>
public sealed class PresenceActivity(PresenceService presence, SyncWakeups wakeups) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        if (!notification.Local || !presence.Enabled) return;
        foreach (var sender in notification.Events.Select(e => e.Pdu.Sender).Distinct().Where(wakeups.IsLocal))
        {
            await presence.BumpActiveAsync(sender, cancellationToken);
        }
    }
}
