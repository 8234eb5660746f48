using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Sync.Notifications;

/// <summary>A room's unread counts: the main timeline (or the whole room), and per thread root when asked for.</summary>
public sealed record RoomUnreadCounts(UnreadCounts Room, IReadOnlyDictionary<string, UnreadCounts>? Threads);

/// <summary>
/// Unread notification counts for sync (spec: "Receiving notifications"). Receipts reset them. The
/// push feature replaces <see cref="ReceiptNotificationCounts"/> with counts from its push rules by
/// registering its own implementation.
/// </summary>
public interface INotificationCounts
{
    /// <param name="byThread">unread_thread_notifications: count threads apart from the main timeline.</param>
    Task<Dictionary<string, RoomUnreadCounts>> GetAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> roomIds, long upTo,
        bool byThread, CancellationToken cancellationToken);
}
