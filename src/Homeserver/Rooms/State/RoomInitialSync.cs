using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>GET /rooms/{roomId}/initialSync: the room's state and newest messages at once (a peek into a world-readable room, or an older client's view of its own).</summary>
public sealed record GetRoomInitialSync(Requester Requester, string RoomId, int Limit) : IQuery<JsonObject>;

/// <summary>
/// The state and the page come from GET /state's and GET /messages' own handlers, so who may read what (a member, a
/// departed member up to the leave, anyone in a world-readable room) is decided the same way, with the same errors.
/// </summary>
public sealed class RoomInitialSyncHandler(HomeserverDbContext db, IMediator mediator, PresenceService presence, TimeProvider clock)
    : IQueryHandler<GetRoomInitialSync, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetRoomInitialSync query, CancellationToken cancellationToken)
    {
        var state = await mediator.Send(new GetRoomState(query.Requester, query.RoomId), cancellationToken);
        var page = await mediator.Send(new GetMessagesQuery(query.Requester, query.RoomId, Direction.Backward, null, null, query.Limit, RoomEventFilter.Empty),
            cancellationToken);

        // /messages went backwards from now; here the chunk reads oldest first, start is the token for earlier events (none
        // left: omitted) and end the position now.
        var chunk = page["chunk"]!.AsArray().Select(e => e!.DeepClone()).Reverse();
        var messages = new JsonObject { ["chunk"] = new JsonArray([.. chunk]), ["end"] = page["start"]!.DeepClone() };
        if (page["end"] is { } earlier) messages["start"] = earlier.DeepClone();

        var userId = query.Requester.UserId;
        var membership = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == query.RoomId && m.UserId == userId)
            .Select(m => m.Membership).FirstOrDefaultAsync(cancellationToken);
        var isPublic = await db.Rooms.AsNoTracking().Where(r => r.RoomId == query.RoomId).Select(r => r.IsPublic).FirstOrDefaultAsync(cancellationToken);
        var accountData = await db.AccountData.AsNoTracking().Where(a => a.UserId == userId && a.RoomId == query.RoomId)
            .Select(a => new { a.Type, a.Content }).ToListAsync(cancellationToken);

        var result = new JsonObject
        {
            ["room_id"] = query.RoomId,
            ["messages"] = messages,
            ["state"] = state.DeepClone(),
            ["visibility"] = isPublic ? "public" : "private",
            ["account_data"] = new JsonArray([.. accountData.Select(a => new JsonObject { ["type"] = a.Type, ["content"] = JsonNode.Parse(a.Content) })]),
            ["presence"] = new JsonArray([.. PresenceOf(JoinedMembers(state))]),
        };
        // A peek has no membership of its own.
        if (membership is not null) result["membership"] = membership;
        return result;
    }

    /// <summary>The presence of these users as m.presence events (those the server knows a presence of).</summary>
    public IEnumerable<JsonObject> PresenceOf(IEnumerable<string> userIds)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var userId in userIds)
        {
            if (presence.Get(userId) is { } p)
            {
                yield return new JsonObject { ["type"] = "m.presence", ["sender"] = userId, ["content"] = PresenceEvent.Content(p, now) };
            }
        }
    }

    private static IEnumerable<string> JoinedMembers(JsonArray state) =>
        state.OfType<JsonObject>()
            .Where(e => e["type"]?.GetValue<string>() == "m.room.member" && e["content"]?["membership"]?.GetValue<string>() == "join")
            .Select(e => e["state_key"]!.GetValue<string>());
}
