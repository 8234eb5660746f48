using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>Queues each persisted event (local or federated, not backfilled history) for the ASes it interests.</summary>
public sealed class AppServiceEventsListener(AppServiceSender sender, AppServiceInterest interest, IDbContextFactory<HomeserverDbContext> dbs)
    : INotificationHandler<RoomEventsToForward>
{
    public async ValueTask Handle(RoomEventsToForward notification, CancellationToken cancellationToken)
    {
        if (!sender.Enabled) return;
        var persisted = notification.Events.Where(e => e.StreamPosition > 0).ToList();
        if (persisted.Count == 0) return;
        var joined = notification.Room.Members.Where(m => m.Membership == Memberships.Join).Select(m => m.UserId);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var items = await interest.MatchAsync(db, notification.RoomId, persisted.Select(e => e.Pdu).ToList(), joined, cancellationToken);
        await sender.EnqueueEventsAsync(items, persisted.Max(e => e.StreamPosition), cancellationToken);
    }
}
