using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>Sets the requester's own presence; nobody may set another user's.</summary>
public sealed record SetPresence(Requester Requester, string UserId, PresenceState State, string? StatusMsg) : ICommand;

/// <summary>A user's presence, for themselves and for users who share a room with them.</summary>
public sealed record GetPresence(Requester Requester, string UserId) : IQuery<JsonObject>;

public sealed class SetPresenceHandler(PresenceService presence) : ICommandHandler<SetPresence>
{
    public ValueTask<Unit> Handle(SetPresence command, CancellationToken cancellationToken)
    {
        if (command.UserId != command.Requester.UserId) throw MatrixException.Forbidden("You cannot set the presence of another user");
        presence.Set(command.UserId, command.State, command.StatusMsg);
        return ValueTask.FromResult(Unit.Value);
    }
}

public sealed class GetPresenceHandler(PresenceService presence, HomeserverDbContext db, SyncWakeups wakeups, TimeProvider clock)
    : IQueryHandler<GetPresence, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetPresence query, CancellationToken cancellationToken)
    {
        var userId = query.UserId;
        if (userId != query.Requester.UserId)
        {
            if (wakeups.IsLocal(userId) && !await db.Users.AnyAsync(u => u.UserId == userId, cancellationToken)) throw MatrixException.NotFound("Unknown user");
            if (!await SharesRoomAsync(query.Requester.UserId, userId, cancellationToken)) throw MatrixException.Forbidden("You are not allowed to see their presence");
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return presence.Get(userId)?.Content(now) ?? new JsonObject { ["presence"] = PresenceState.Offline.ToWire() };
    }

    private Task<bool> SharesRoomAsync(string userId, string otherId, CancellationToken cancellationToken)
    {
        var rooms = db.RoomMemberships.Where(m => m.UserId == userId && m.Membership == Memberships.Join).Select(m => m.RoomId);
        return db.RoomMemberships.AnyAsync(m => m.UserId == otherId && m.Membership == Memberships.Join && rooms.Contains(m.RoomId), cancellationToken);
    }
}
