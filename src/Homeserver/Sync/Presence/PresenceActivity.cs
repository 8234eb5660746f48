using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Mediator;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>Sending into a room is activity: local senders become online and currently active.</summary>
public sealed class PresenceActivity(PresenceService presence, HomeserverOptions options) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        if (!notification.Local || !presence.Enabled) return;
        var suffix = ":" + options.ServerName;
        foreach (var sender in notification.Events.Select(e => e.Pdu.Sender).Distinct().Where(s => s.EndsWith(suffix, StringComparison.Ordinal)))
        {
            await presence.BumpActiveAsync(sender, cancellationToken);
        }
    }
}
