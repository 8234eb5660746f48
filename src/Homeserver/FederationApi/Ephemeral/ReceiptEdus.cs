using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Sync.Receipts;
using Mediator;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

/// <summary>
/// m.receipt received: public read receipts (m.read) of the sending server's users, in rooms whose ACL allows that
/// server, stored as local ones are (the user must be joined, the event known; a receipt never moves back). Other
/// receipt types, other servers' users and unknown events are ignored.
/// </summary>
public sealed class ReceiptEduHandler(IServiceScopeFactory scopes, ServerAclChecker acl, ILogger<ReceiptEduHandler> logger) : IEduHandler
{
    /// <summary>At most this many receipts are taken from one EDU.</summary>
    public const int MaxReceipts = 1000;

    public string Type => "m.receipt";

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var receipts = scope.ServiceProvider.GetRequiredService<ReceiptService>();
        var taken = 0;
        foreach (var (roomId, byType) in content)
        {
            if (byType?[ReceiptTypes.Read] is not JsonObject byUser || !await acl.IsAllowedAsync(roomId, origin, cancellationToken)) continue;
            foreach (var (userId, receipt) in byUser)
            {
                if (++taken > MaxReceipts) return;
                if (!OriginUsers.IsOf(userId, origin) || receipt is not JsonObject body) continue;
                var eventId = JsonFields.Strings(body, "event_ids").FirstOrDefault();
                if (eventId is null) continue;
                var threadId = JsonFields.String(body["data"] as JsonObject, "thread_id");
                try
                {
                    await receipts.SetAsync(userId, roomId, ReceiptTypes.Read, eventId, threadId, cancellationToken);
                }
                catch (MatrixException e)
                {
                    logger.LogInformation("Ignored a receipt of {UserId} in {RoomId} from {Origin}: {Reason}", userId, roomId, origin, e.Message);
                }
            }
        }
    }
}

/// <summary>A local user's public read receipt (also when set with the read markers) goes to the other servers in the room.</summary>
public sealed class ReceiptFederation(EphemeralDestinations destinations, TimeProvider clock) : IPipelineBehavior<SendReceipt, Unit>, IPipelineBehavior<SetReadMarkers, Unit>
{
    public async ValueTask<Unit> Handle(SendReceipt message, MessageHandlerDelegate<SendReceipt, Unit> next, CancellationToken cancellationToken)
    {
        var result = await next(message, cancellationToken);
        if (message.ReceiptType == ReceiptTypes.Read) Send(message.RoomId, message.Requester.UserId, message.EventId, message.ThreadId);
        return result;
    }

    public async ValueTask<Unit> Handle(SetReadMarkers message, MessageHandlerDelegate<SetReadMarkers, Unit> next, CancellationToken cancellationToken)
    {
        var result = await next(message, cancellationToken);
        if (message.Read is { } eventId) Send(message.RoomId, message.Requester.UserId, eventId, null);
        return result;
    }

    private void Send(string roomId, string userId, string eventId, string? threadId)
    {
        var data = new JsonObject { ["ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds() };
        if (threadId is not null) data["thread_id"] = threadId;
        var content = new JsonObject
        {
            [roomId] = new JsonObject
            {
                [ReceiptTypes.Read] = new JsonObject { [userId] = new JsonObject { ["event_ids"] = new JsonArray(eventId), ["data"] = data } },
            },
        };
        destinations.Post(roomId, "m.receipt", content, $"{roomId}|{userId}|{threadId}");
    }
}
