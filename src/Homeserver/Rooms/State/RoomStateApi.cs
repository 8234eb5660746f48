using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>Room state and members: GET/PUT /rooms/{roomId}/state..., /members, /joined_members, /initialSync, /joined_rooms.</summary>
public static class RoomStateApi
{
    private static readonly string[] MembershipValues = [Memberships.Join, Memberships.Invite, Memberships.Knock, Memberships.Leave, Memberships.Ban];

    public static IEndpointRouteBuilder MapRoomStateApi(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/_matrix/client/v3/rooms/{roomId}");
        rooms.MapGet("/state", GetState);
        // The state key may be empty (with or without the trailing slash) and may hold slashes.
        rooms.MapGet("/state/{eventType}", (Requester r, string roomId, string eventType, string? format, IMediator m, CancellationToken ct) =>
            GetStateEvent(r, roomId, eventType, "", format, m, ct));
        rooms.MapGet("/state/{eventType}/{**stateKey}", GetStateEvent);
        rooms.MapPut("/state/{eventType}", (Requester r, string roomId, string eventType, HttpRequest request, IMediator m) =>
            PutStateEvent(r, roomId, eventType, "", request, m)).RateLimited(RateLimitPolicy.Send);
        rooms.MapPut("/state/{eventType}/{**stateKey}", PutStateEvent).RateLimited(RateLimitPolicy.Send);
        rooms.MapGet("/members", GetMembers);
        rooms.MapGet("/initialSync", async (Requester r, string roomId, string? limit, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetRoomInitialSync(r, RequestIds.RoomId(roomId), QueryParameters.ParseLimit(limit, 10, Events.EventsApi.MaxPageSize)), ct)));
        rooms.MapGet("/joined_members", async (Requester r, string roomId, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetJoinedMembers(r, RequestIds.RoomId(roomId)), ct)));
        app.MapGet("/_matrix/client/v3/joined_rooms", async (Requester r, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetJoinedRooms(r), ct)));
        return app;
    }

    private static async Task<IResult> GetState(Requester requester, string roomId, IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetRoomState(requester, RequestIds.RoomId(roomId)), cancellationToken));

    private static async Task<IResult> GetStateEvent(Requester requester, string roomId, string eventType, string? stateKey, string? format,
        IMediator mediator, CancellationToken cancellationToken)
    {
        var asEvent = format switch
        {
            null or "content" => false,
            "event" => true,
            _ => throw MatrixException.InvalidParam("format must be 'content' or 'event'"),
        };
        return Results.Json(await mediator.Send(new GetStateEvent(requester, RequestIds.RoomId(roomId), eventType, StateKeyOf(stateKey), asEvent), cancellationToken));
    }

    private static async Task<IResult> PutStateEvent(Requester requester, string roomId, string eventType, string? stateKey, HttpRequest request, IMediator mediator)
    {
        var content = await JsonBody.ReadObjectAsync(request);
        // A suspended account may still leave rooms this way, nothing else (spec: Account suspension).
        if (requester.Suspended && !IsOwnLeave(requester, eventType, StateKeyOf(stateKey), content)) throw RestrictedAccess.SuspendedError();

        var eventId = await mediator.Send(new SetStateEvent(requester, RequestIds.RoomId(roomId), eventType, StateKeyOf(stateKey), content), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject { ["event_id"] = eventId });
    }

    private static bool IsOwnLeave(Requester requester, string eventType, string stateKey, JsonObject content) =>
        eventType == EventTypes.Member && stateKey == requester.UserId && content["membership"] is JsonValue v && v.TryGetValue(out string? membership)
        && membership == "leave";

    private static async Task<IResult> GetMembers(Requester requester, string roomId, string? at, string? membership,
        [FromQuery(Name = "not_membership")] string? notMembership, IMediator mediator, CancellationToken cancellationToken)
    {
        RoomStreamToken? position = null;
        if (at is not null)
        {
            position = RoomStreamToken.TryParse(at, out var token) ? token : throw MatrixException.InvalidParam($"'{at}' is not a valid pagination token");
        }

        if (membership is not null && !MembershipValues.Contains(membership)) throw MatrixException.InvalidParam($"Unknown membership '{membership}'");
        if (notMembership is not null && !MembershipValues.Contains(notMembership)) throw MatrixException.InvalidParam($"Unknown not_membership '{notMembership}'");
        return Results.Json(await mediator.Send(new GetMembers(requester, RequestIds.RoomId(roomId), position, membership, notMembership), cancellationToken));
    }

    /// <summary>An absent state key is the empty one (a "/" escaped in it is decoded by <see cref="Http.EscapedSlashes"/>).</summary>
    private static string StateKeyOf(string? routeValue) => routeValue ?? "";
}
