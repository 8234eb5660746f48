using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Presence;
using Mediator;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>GET /rooms/{roomId}/initialSync: the room's state and newest messages at once (a peek into a world-readable room, or an older client's view of its own).</summary>
public sealed record GetRoomInitialSync(Requester Requester, string RoomId, int Limit) : IQuery<JsonObject>;

/// <summary>
/// The state and the page come from GET /state's and GET /messages' own handlers, so who may read what (a member, a
/// departed member up to the leave, anyone in a world-readable room) is decided the same way, with the same errors.
/// </summary>
public sealed class RoomInitialSyncHandler(HomeserverDbContext db, IMediator mediator, RoomStateReader reader, AccountDataService accountData,
    PresenceService presence)
    : IQueryHandler<GetRoomInitialSync, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetRoomInitialSync query, CancellationToken cancellationToken)
    {
        var state = await mediator.Send(new GetRoomState(query.Requester, query.RoomId), cancellationToken);
        var page = await mediator.Send(new GetMessagesQuery(query.Requester, query.RoomId, Direction.Backward, null, null, query.Limit, RoomEventFilter.Empty),
            cancellationToken);

        // /messages went backwards from now; here the chunk reads oldest first, start is the token for earlier events and
        // end the position now. With nothing earlier, start is the stream's beginning (a page back from it is empty): the
        // key is always there, as Synapse answers it.
        var chunk = page["chunk"]!.AsArray().Select(e => e!.DeepClone()).Reverse();
        var start = page["end"]?.DeepClone() ?? new RoomStreamToken(0).ToString();
        var messages = new JsonObject { ["chunk"] = LegacyEventFormat.ToV1(new JsonArray([.. chunk])), ["start"] = start, ["end"] = page["start"]!.DeepClone() };

        var userId = query.Requester.UserId;
        var membership = await reader.GetMembershipAsync(db, query.RoomId, userId, cancellationToken);
        var visibility = await mediator.Send(new GetDirectoryVisibility(query.RoomId), cancellationToken);
        var roomData = await accountData.GetAllAsync(userId, query.RoomId, cancellationToken);

        var result = new JsonObject
        {
            ["room_id"] = query.RoomId,
            ["messages"] = messages,
            ["state"] = LegacyEventFormat.ToV1(state),
            ["visibility"] = visibility["visibility"]!.DeepClone(),
            ["account_data"] = new JsonArray([.. roomData.Select(e => e.ToJson())]),
            // A user who left sees the room as it was, but not its members' presence now (as Synapse).
            ["presence"] = membership is null or Memberships.Join ? new JsonArray([.. presence.EventsOf(JoinedMembers(state))]) : new JsonArray(),
        };
        // A peek has no membership of its own.
        if (membership is not null) result["membership"] = membership;
        return result;
    }

    private static IEnumerable<string> JoinedMembers(JsonArray state) =>
        state.OfType<JsonObject>()
            .Where(e => e["type"]?.GetValue<string>() == "m.room.member" && e["content"]?["membership"]?.GetValue<string>() == "join")
            .Select(e => e["state_key"]!.GetValue<string>());
}
