using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>An event of a room its reader is joined to, that a receipt or the fully read marker may point at, with its place in the stream.</summary>
public readonly record struct ReadTarget(string EventId, long StreamOrdering)
{
    /// <summary>
    /// 403 unless the user is joined to the room, 404 unless the event is in its timeline: both asked in one query (a
    /// client marks every message it shows as read, often the receipt and the marker together).
    /// </summary>
    public static async Task<ReadTarget> CheckAsync(HomeserverDbContext db, string userId, string roomId, string eventId, CancellationToken cancellationToken)
    {
        var found = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.UserId == userId)
            .Select(m => new
            {
                m.Membership,
                StreamOrdering = db.Events.Where(e => e.EventId == eventId && e.RoomId == roomId && e.StreamOrdering != null)
                    .Select(e => e.StreamOrdering).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (found?.Membership != Memberships.Join) throw MatrixException.Forbidden("You are not in this room");
        return new ReadTarget(eventId, found.StreamOrdering ?? throw MatrixException.NotFound("Unknown event"));
    }
}
