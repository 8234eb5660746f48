using Matrix.Homeserver.Events.Pipeline;
using Mediator;

namespace Matrix.Homeserver.Operations;

/// <summary>Counts every committed room event, local or received, for <c>matrix_events_persisted_total</c>.</summary>
public sealed class EventsPersistedCounter(HomeserverMetrics metrics) : INotificationHandler<RoomEventsPersisted>
{
    public ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        metrics.EventsPersisted(notification.Events.Count, notification.Local);
        return ValueTask.CompletedTask;
    }
}
