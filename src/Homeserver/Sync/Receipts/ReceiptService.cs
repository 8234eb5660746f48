using System.Text.Json.Nodes;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>
/// Read receipts (spec: "Receipts"): one row per user, room, receipt type and thread, moved to a
/// new stream position on each change. A receipt only moves forward: one for an event older than
/// the current one is ignored, as Synapse does. Public receipts wake the room's local members,
/// private ones only their owner.
/// </summary>
public sealed class ReceiptService(
    HomeserverDbContext db,
    StreamIdGenerator streams,
    StreamChanges changes,
    EventStore events,
    EventThreads threads,
    SyncWakeups wakeups,
    TimeProvider clock,
    AppServiceEphemeral appServices,
    Push.Gateway.PushDeliveryQueue pushes)
{
    /// <summary>Checks the room, event and thread, then stores the receipt.</summary>
    public async Task SetAsync(string userId, string roomId, string receiptType, string eventId, string? threadId, CancellationToken cancellationToken) =>
        await SetAsync(userId, roomId, receiptType, await ReadTarget.CheckAsync(db, userId, roomId, eventId, cancellationToken), threadId, cancellationToken);

    /// <summary>Checks the thread, then stores the receipt for an event already checked.</summary>
    public async Task SetAsync(string userId, string roomId, string receiptType, ReadTarget target, string? threadId, CancellationToken cancellationToken)
    {
        var eventId = target.EventId;
        if (threadId is not null and not ReceiptTypes.MainThread && !await IsInThreadAsync(eventId, threadId, cancellationToken))
        {
            throw MatrixException.InvalidParam("The event is not in the thread thread_id names");
        }

        var thread = threadId ?? Receipt.Unthreaded;
        var row = await db.Receipts.FirstOrDefaultAsync(r => r.RoomId == roomId && r.ReceiptType == receiptType && r.UserId == userId && r.ThreadId == thread, cancellationToken);
        if (row is not null)
        {
            // The same receipt again (clients resend it) changes nothing: no need to find where its event is.
            if (row.EventId == eventId) return;
            var current = await db.Events.AsNoTracking().Where(e => e.EventId == row.EventId).Select(e => e.StreamOrdering).FirstOrDefaultAsync(cancellationToken);
            if (current >= target.StreamOrdering) return;
        }

        using (var position = streams.Next())
        {
            changes.Receipts.Mark(roomId, position.Position);
            changes.ReadReceipts.Mark(StreamChanges.UserInRoom(userId, roomId), position.Position);
            if (row is null)
            {
                row = new Receipt { RoomId = roomId, ReceiptType = receiptType, UserId = userId, ThreadId = thread, EventId = eventId };
                db.Add(row);
            }

            row.EventId = eventId;
            row.Ts = clock.GetUtcNow().ToUnixTimeMilliseconds();
            row.StreamPosition = position.Position;
            await db.SaveChangesAsync(cancellationToken);
        }

        // A read receipt moves the user's unread count: their push gateways get the new badge.
        if (receiptType is ReceiptTypes.Read or ReceiptTypes.ReadPrivate) pushes.PokeBadge(userId);
        if (ReceiptTypes.IsPrivate(receiptType))
        {
            wakeups.User(userId);
        }
        else
        {
            await wakeups.RoomMembersAsync([roomId], cancellationToken);
            var receipt = new JsonObject { ["ts"] = row.Ts };
            if (threadId is not null) receipt["thread_id"] = threadId;
            await appServices.RoomEventAsync(roomId, new JsonObject
            {
                ["type"] = "m.receipt",
                ["room_id"] = roomId,
                ["content"] = new JsonObject { [eventId] = new JsonObject { [receiptType] = new JsonObject { [userId] = receipt } } },
            }, cancellationToken);
        }
    }

    /// <summary>Whether the event is the thread's root (which may carry the thread's receipt) or in the thread.</summary>
    private async Task<bool> IsInThreadAsync(string eventId, string threadRoot, CancellationToken cancellationToken) =>
        eventId == threadRoot || (await events.GetAsync(db, eventId, cancellationToken) is { } pdu && await threads.ThreadOfAsync(db, pdu, cancellationToken) == threadRoot);
}
