using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Typing;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ephemeral;

/// <summary>
/// m.typing received (spec: "Typing Notifications" over federation): the user must be of the sending server and
/// joined to the room, and the room's ACL must allow that server; anything else is ignored.
/// </summary>
public sealed class TypingEduHandler(TypingService typing, RoomStateReader state, ServerAclChecker acl, IDbContextFactory<HomeserverDbContext> dbs,
    ILogger<TypingEduHandler> logger) : IEduHandler
{
    /// <summary>The EDU names no timeout: a remote typer is dropped after this unless renewed (Synapse's federation timeout, capped by the setting).</summary>
    public const long RemoteTimeoutMs = 60_000;

    public string Type => "m.typing";

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        var roomId = JsonFields.String(content, "room_id");
        var userId = JsonFields.String(content, "user_id");
        if (roomId is null || userId is null || content["typing"] is not JsonValue flag || !flag.TryGetValue(out bool isTyping)) return;
        if (!OriginUsers.IsOf(userId, origin))
        {
            logger.LogInformation("Ignored typing of {UserId} sent by {Origin}", userId, origin);
            return;
        }

        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            if (!await acl.IsAllowedAsync(db, roomId, origin, cancellationToken)) return;
            if (await state.GetMembershipAsync(db, roomId, userId, cancellationToken) != Memberships.Join) return;
        }

        await typing.SetAsync(roomId, userId, isTyping, RemoteTimeoutMs, cancellationToken);
    }
}

/// <summary>A local user's typing change, once accepted, goes to the other servers in the room.</summary>
public sealed class TypingFederation(EphemeralDestinations destinations) : IPipelineBehavior<SetTyping, Unit>
{
    public async ValueTask<Unit> Handle(SetTyping message, MessageHandlerDelegate<SetTyping, Unit> next, CancellationToken cancellationToken)
    {
        var result = await next(message, cancellationToken);
        var content = new JsonObject { ["room_id"] = message.RoomId, ["user_id"] = message.UserId, ["typing"] = message.Typing };
        destinations.Post(message.RoomId, "m.typing", content, $"{message.RoomId}|{message.UserId}");
        return result;
    }
}
