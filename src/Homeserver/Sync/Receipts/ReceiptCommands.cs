using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Mediator;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>A receipt (m.read, m.read.private) or, through the same endpoint, the fully read marker.</summary>
public sealed record SendReceipt(Requester Requester, string RoomId, string ReceiptType, string EventId, string? ThreadId) : ICommand;

/// <summary>The fully read marker and/or receipts, set together.</summary>
public sealed record SetReadMarkers(Requester Requester, string RoomId, string? FullyRead, string? Read, string? ReadPrivate) : ICommand;

public sealed class ReceiptHandlers(HomeserverDbContext db, ReceiptService receipts, ReadMarkerService markers, PresenceService presence)
    : ICommandHandler<SendReceipt>, ICommandHandler<SetReadMarkers>
{
    public async ValueTask<Unit> Handle(SendReceipt command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        switch (command.ReceiptType)
        {
            case ReceiptTypes.FullyRead:
                if (command.ThreadId is not null) throw MatrixException.InvalidParam("thread_id is not allowed for m.fully_read");
                await markers.SetFullyReadAsync(userId, command.RoomId, await ReadTarget.CheckAsync(db, userId, command.RoomId, command.EventId, cancellationToken),
                    cancellationToken);
                break;
            case ReceiptTypes.Read or ReceiptTypes.ReadPrivate:
                await receipts.SetAsync(userId, command.RoomId, command.ReceiptType, command.EventId, command.ThreadId, cancellationToken);
                break;
            default:
                throw MatrixException.InvalidParam("Receipt type must be m.read, m.read.private or m.fully_read");
        }

        presence.BumpActive(userId);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(SetReadMarkers command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        // Clients usually point the marker and the receipts at one event: it is checked once.
        var checkedTargets = new Dictionary<string, ReadTarget>(StringComparer.Ordinal);
        async Task<ReadTarget> Target(string eventId) => checkedTargets.TryGetValue(eventId, out var target)
            ? target
            : checkedTargets[eventId] = await ReadTarget.CheckAsync(db, userId, command.RoomId, eventId, cancellationToken);

        if (command.FullyRead is { } fullyRead) await markers.SetFullyReadAsync(userId, command.RoomId, await Target(fullyRead), cancellationToken);
        if (command.Read is { } read) await receipts.SetAsync(userId, command.RoomId, ReceiptTypes.Read, await Target(read), null, cancellationToken);
        if (command.ReadPrivate is { } readPrivate) await receipts.SetAsync(userId, command.RoomId, ReceiptTypes.ReadPrivate, await Target(readPrivate), null, cancellationToken);
        presence.BumpActive(userId);
        return Unit.Value;
    }
}
