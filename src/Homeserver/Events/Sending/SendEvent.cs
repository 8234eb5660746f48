using System.Text;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Events.Sending;

/// <summary>
/// PUT /rooms/{roomId}/send/{eventType}/{txnId}: a message event (a state type is sent as a message, with no state_key).
/// No TxnId (POST without one): not idempotent.
/// </summary>
public sealed record SendEventCommand(Requester Requester, string RoomId, string EventType, string? TxnId, string Path, JsonObject Content) : ICommand<string>;

/// <summary>PUT /rooms/{roomId}/redact/{eventId}/{txnId}: an m.room.redaction of the event.</summary>
public sealed record RedactEventCommand(Requester Requester, string RoomId, string EventId, string? TxnId, string Path, JsonObject Body) : ICommand<string>;

/// <summary>
/// Sends client events through the pipeline. A retried transaction returns its first event before
/// anything is checked again (a retried reaction is not a duplicate of itself, and a sender who left
/// since still gets it); then the relation and redaction rules run, and the pipeline authorizes, sizes
/// and persists the event.
/// </summary>
public sealed class SendEventHandler(HomeserverDbContext db, RoomEventWriter writer, RedactionPolicy redactions)
    : ICommandHandler<SendEventCommand, string>, ICommandHandler<RedactEventCommand, string>
{
    /// <summary>The spec's bound on event types; transaction IDs get the same.</summary>
    public const int MaxIdentifierBytes = 255;

    public async ValueTask<string> Handle(SendEventCommand command, CancellationToken cancellationToken)
    {
        CheckIdentifier(command.EventType, "event type");
        var content = command.Content;
        string? redacts = null;
        if (command.EventType == EventTypes.Redaction)
        {
            // Spec v1.18: redactions may be sent here in every room version; redacts moves out of
            // content, and the builder writes it where the room version wants it.
            content = (JsonObject)content.DeepClone();
            redacts = content["redacts"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out string? id) => id,
                _ => throw MatrixException.BadJson("redacts must be an event ID"),
            };
            content.Remove("redacts");
        }

        return await SendAsync(command.Requester, command.RoomId, command.EventType, command.TxnId, command.Path, content, redacts, cancellationToken);
    }

    public async ValueTask<string> Handle(RedactEventCommand command, CancellationToken cancellationToken)
    {
        if (command.Body["reason"] is { } reason && !(reason is JsonValue v && v.TryGetValue(out string? _)))
        {
            throw MatrixException.BadJson("reason must be a string");
        }

        var content = (JsonObject)command.Body.DeepClone();
        content.Remove("redacts");
        return await SendAsync(command.Requester, command.RoomId, EventTypes.Redaction, command.TxnId, command.Path, content, command.EventId, cancellationToken);
    }

    private async Task<string> SendAsync(Requester requester, string roomId, string type, string? txnId, string path, JsonObject content, string? redacts,
        CancellationToken cancellationToken)
    {
        if (txnId is not null) CheckIdentifier(txnId, "transaction ID");
        // Suspended: redacting its own events is the one kind of send left (spec: Account suspension).
        if (requester.Suspended && redacts is null) throw RestrictedAccess.SuspendedError();
        var transaction = txnId is null ? null : new ClientTransaction(requester.DeviceId, txnId, path);
        // The writer finds a retried transaction before it checks anything; only the checks made here first
        // (relations, redactions) need it found sooner, or a retried reaction would be its own duplicate.
        if (redacts is not null || RelatesTo.From(content) is not null)
        {
            if (transaction is not null && await ClientTransactions.FindEventIdAsync(db, requester.UserId, transaction, cancellationToken) is { } earlier) return earlier;
            await RelationRules.CheckAsync(db, roomId, requester.UserId, type, content, cancellationToken);
            if (redacts is not null) await redactions.CheckAsync(db, roomId, requester.UserId, redacts, cancellationToken, ownOnly: requester.Suspended);
        }

        var draft = new EventDraft(type, null, requester.UserId, content) { Redacts = redacts, Transaction = transaction, OriginServerTs = requester.Timestamp };
        var sent = await writer.SendAsync(roomId, [draft], cancellationToken);
        return sent[0].EventId;
    }

    private static void CheckIdentifier(string value, string name)
    {
        if (value.Length == 0 || Encoding.UTF8.GetByteCount(value) > MaxIdentifierBytes)
        {
            throw MatrixException.InvalidParam($"The {name} must be 1 to {MaxIdentifierBytes} bytes");
        }
    }
}
