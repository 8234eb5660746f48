using Matrix.Homeserver.Events.Pipeline;
using Mediator;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>Sending into a room is activity: local senders become online and currently active.</summary>
public sealed class PresenceActivity(PresenceService presence, SyncWakeups wakeups) : INotificationHandler<RoomEventsPersisted>
{
    public ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        if (!notification.Local || !presence.Enabled) return ValueTask.CompletedTask;
        foreach (var sender in notification.Events.Select(e => e.Pdu.Sender).Distinct().Where(wakeups.IsLocal))
        {
            presence.BumpActive(sender);
        }

        return ValueTask.CompletedTask;
    }
}
