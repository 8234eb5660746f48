using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>GET /rooms/{roomId}/state: the state events the user may see, in the client format.</summary>
public sealed record GetRoomState(Requester Requester, string RoomId) : IQuery<JsonArray>;

/// <summary>GET /rooms/{roomId}/state/{type}/{stateKey}: the content, or the whole event with format=event.</summary>
public sealed record GetStateEvent(Requester Requester, string RoomId, string Type, string StateKey, bool AsEvent) : IQuery<JsonObject>;

/// <summary>GET /rooms/{roomId}/members: member events, filtered by membership ("or" when both filters are given).</summary>
public sealed record GetMembers(Requester Requester, string RoomId, RoomStreamToken? At, string? Membership, string? NotMembership) : IQuery<JsonObject>;

/// <summary>GET /rooms/{roomId}/joined_members.</summary>
public sealed record GetJoinedMembers(Requester Requester, string RoomId) : IQuery<JsonObject>;

/// <summary>GET /joined_rooms.</summary>
public sealed record GetJoinedRooms(Requester Requester) : IQuery<JsonObject>;

/// <summary>PUT /rooms/{roomId}/state/{type}/{stateKey}: returns the event ID. Member events are membership changes.</summary>
public sealed record SetStateEvent(Requester Requester, string RoomId, string Type, string StateKey, JsonObject Content) : ICommand<string>;

public sealed class RoomStateHandlers(
    HomeserverDbContext db,
    RoomStateAccess access,
    RoomStateReader reader,
    ClientEventLoader loader,
    StateEventSender sender,
    RoomMembershipService membership)
    : IQueryHandler<GetRoomState, JsonArray>, IQueryHandler<GetStateEvent, JsonObject>, IQueryHandler<GetMembers, JsonObject>,
      IQueryHandler<GetJoinedMembers, JsonObject>, IQueryHandler<GetJoinedRooms, JsonObject>, ICommandHandler<SetStateEvent, string>
{
    public async ValueTask<JsonArray> Handle(GetRoomState query, CancellationToken cancellationToken)
    {
        var state = await access.GetStateAsync(db, query.RoomId, query.Requester.UserId, at: null, cancellationToken);
        var formatted = await loader.LoadAsync(db, [.. state.Values], query.Requester, cancellationToken);
        return [.. formatted];
    }

    public async ValueTask<JsonObject> Handle(GetStateEvent query, CancellationToken cancellationToken)
    {
        var state = await access.GetStateAsync(db, query.RoomId, query.Requester.UserId, at: null, cancellationToken);
        var eventId = state.GetValueOrDefault(new StateKey(query.Type, query.StateKey))
            ?? throw MatrixException.NotFound("Event not found.");
        var formatted = (await loader.LoadAsync(db, [eventId], query.Requester, cancellationToken)).Single();
        return query.AsEvent ? formatted : formatted["content"]!.AsObject();
    }

    public async ValueTask<JsonObject> Handle(GetMembers query, CancellationToken cancellationToken)
    {
        var state = await access.GetStateAsync(db, query.RoomId, query.Requester.UserId, query.At, cancellationToken);
        var memberIds = state.Where(kv => kv.Key.Type == EventTypes.Member).Select(kv => kv.Value).ToList();
        var members = await loader.LoadAsync(db, memberIds, query.Requester, cancellationToken);
        return new JsonObject { ["chunk"] = new JsonArray([.. members.Where(m => Matches(query, JsonFields.String(m["content"] as JsonObject, "membership")))]) };
    }

    public async ValueTask<JsonObject> Handle(GetJoinedMembers query, CancellationToken cancellationToken)
    {
        var (standing, _) = await access.CheckAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        if (standing == RoomStateAccess.Standing.Departed)
        {
            throw MatrixException.Forbidden("Getting joined members while not being a current member of the room is forbidden.");
        }

        var joined = new JsonObject();
        var rows = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == query.RoomId && m.Membership == Memberships.Join)
            .OrderBy(m => m.UserId).Select(m => new { m.UserId, m.DisplayName, m.AvatarUrl }).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            var member = new JsonObject();
            // Both keys always, null when unset, as Synapse answers (SyTest asserts them).
            member["display_name"] = row.DisplayName;
            member["avatar_url"] = row.AvatarUrl;
            joined[row.UserId] = member;
        }

        return new JsonObject { ["joined"] = joined };
    }

    public async ValueTask<JsonObject> Handle(GetJoinedRooms query, CancellationToken cancellationToken)
    {
        var rooms = await reader.GetJoinedRoomsAsync(db, query.Requester.UserId, cancellationToken);
        return new JsonObject { ["joined_rooms"] = new JsonArray([.. rooms.Order(StringComparer.Ordinal).Select(r => JsonValue.Create(r))]) };
    }

    public async ValueTask<string> Handle(SetStateEvent command, CancellationToken cancellationToken)
    {
        if (command.Type != EventTypes.Member)
        {
            return await sender.SendAsync(command.RoomId, command.Requester.UserId, command.Type, command.StateKey, command.Content, cancellationToken,
                command.Requester.Timestamp);
        }

        var target = RequestIds.UserId(command.StateKey);
        var action = JsonFields.String(command.Content, "membership") switch
        {
            Memberships.Join => MembershipAction.Join,
            Memberships.Invite => MembershipAction.Invite,
            Memberships.Leave => MembershipAction.Leave,
            Memberships.Ban => MembershipAction.Ban,
            Memberships.Knock => MembershipAction.Knock,
            _ => throw MatrixException.InvalidParam("content.membership must be one of join, invite, leave, ban, knock"),
        };
        return await membership.ApplyAsync(new MembershipChange(command.RoomId, command.Requester.UserId, target, action)
        {
            Content = command.Content,
            SenderIsGuest = command.Requester.IsGuest,
        }, cancellationToken);
    }

    /// <summary>The spec's filter: membership is <c>membership</c>, or is not <c>not_membership</c>; no filter keeps all.</summary>
    private static bool Matches(GetMembers query, string? value) => (query.Membership, query.NotMembership) switch
    {
        (null, null) => true,
        ({ } wanted, null) => value == wanted,
        (null, { } unwanted) => value != unwanted,
        ({ } wanted, { } unwanted) => value == wanted || value != unwanted,
    };
}
