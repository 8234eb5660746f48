using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// After a room's events commit, stores the notifications of those the room's writer did not already store in their
/// own transaction (events received over federation, state changes). The writer wakes the users' syncs right after
/// every listener ran, so one answer carries both the events and the new counts.
/// </summary>
public sealed class PushActionWriter(HomeserverDbContext db, EventNotifications notifications) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        var events = notification.Events.Where(e => !e.PushActionsWritten).ToList();
        if (events.Count == 0) return;
        var rows = await notifications.EvaluateAsync(db, notification.Room, events, cancellationToken);
        if (rows.Count == 0) return;

        using var write = notifications.Begin(rows);
        await EventNotifications.InsertAsync(db, write.Stored, cancellationToken);
        write.Complete();
    }
}
