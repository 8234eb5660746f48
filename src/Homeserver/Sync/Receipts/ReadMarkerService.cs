using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// The fully read marker (spec: "Fully read markers"): the m.fully_read room account data event,
/// which only the read markers API may set (the account data API refuses it). Like Synapse, the
/// marker never moves back to an older event.
/// </summary>
public sealed class ReadMarkerService(HomeserverDbContext db, AccountDataService accountData)
{
    /// <summary>Moves the marker to an event already checked, unless it is there or further on.</summary>
    public async Task SetFullyReadAsync(string userId, string roomId, ReadTarget marker, CancellationToken cancellationToken)
    {
        var (eventId, target) = marker;
        var current = await accountData.GetAsync(userId, roomId, ReceiptTypes.FullyRead, cancellationToken);
        if (current?["event_id"] is JsonValue v && v.TryGetValue(out string? currentId)
            && (currentId == eventId || await StreamOrderingAsync(roomId, currentId, cancellationToken) >= target)) return;
        await accountData.SetAsync(userId, roomId, ReceiptTypes.FullyRead, new JsonObject { ["event_id"] = eventId }, cancellationToken);
    }

    private Task<long?> StreamOrderingAsync(string roomId, string eventId, CancellationToken cancellationToken) =>
        db.Events.AsNoTracking().Where(e => e.EventId == eventId && e.RoomId == roomId && e.StreamOrdering != null)
            .Select(e => e.StreamOrdering).FirstOrDefaultAsync(cancellationToken);
}
