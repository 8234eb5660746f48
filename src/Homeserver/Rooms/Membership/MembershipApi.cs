using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.ThirdPartyInvites;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>Joining, inviting, leaving, forgetting, kicking, banning, unbanning and knocking.</summary>
public static class MembershipApi
{
    public static IEndpointRouteBuilder MapMembershipApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v3");
        client.MapPost("/rooms/{roomId}/join", (Requester r, string roomId, HttpRequest request, IMediator m) =>
            Enter(r, RequestIds.RoomId(roomId), MembershipAction.Join, [], [], request, m)).DenySuspended().RateLimited(RateLimitPolicy.Join);
        client.MapPost("/join/{roomIdOrAlias}", (Requester r, string roomIdOrAlias, [FromQuery] string[]? via, [FromQuery(Name = "server_name")] string[]? serverName, HttpRequest request, IMediator m) =>
            Enter(r, roomIdOrAlias, MembershipAction.Join, via, serverName, request, m)).DenySuspended().RateLimited(RateLimitPolicy.Join);
        client.MapPost("/knock/{roomIdOrAlias}", (Requester r, string roomIdOrAlias, [FromQuery] string[]? via, [FromQuery(Name = "server_name")] string[]? serverName, HttpRequest request, IMediator m) =>
            Enter(r, roomIdOrAlias, MembershipAction.Knock, via, serverName, request, m)).DenySuspended().RateLimited(RateLimitPolicy.Join);
        client.MapPost("/rooms/{roomId}/leave", Leave);
        client.MapPost("/rooms/{roomId}/forget", async (Requester r, string roomId, IMediator m, CancellationToken ct) =>
        {
            await m.Send(new ForgetRoom(r, RequestIds.RoomId(roomId)), ct);
            return Results.Json(new JsonObject());
        });
        client.MapPost("/rooms/{roomId}/invite", (Requester r, string roomId, HttpRequest request, IValidator<TargetBody> v, IMediator m) =>
            ChangeOther(r, roomId, MembershipAction.Invite, request, v, m)).DenySuspended();
        client.MapPost("/rooms/{roomId}/kick", (Requester r, string roomId, HttpRequest request, IValidator<TargetBody> v, IMediator m) =>
            ChangeOther(r, roomId, MembershipAction.Kick, request, v, m));
        client.MapPost("/rooms/{roomId}/ban", (Requester r, string roomId, HttpRequest request, IValidator<TargetBody> v, IMediator m) =>
            ChangeOther(r, roomId, MembershipAction.Ban, request, v, m));
        client.MapPost("/rooms/{roomId}/unban", (Requester r, string roomId, HttpRequest request, IValidator<TargetBody> v, IMediator m) =>
            ChangeOther(r, roomId, MembershipAction.Unban, request, v, m));
        return app;
    }

    /// <summary>Join or knock; via (v1.12) and its older name server_name are both accepted.</summary>
    private static async Task<IResult> Enter(Requester requester, string roomIdOrAlias, MembershipAction action, string[]? via, string[]? serverName,
        HttpRequest request, IMediator mediator)
    {
        var json = await JsonBody.ReadObjectAsync(request, emptyIsObject: true);
        var body = JsonBody.Bind<ReasonBody>(json);
        if (body.ThirdPartySigned is not null && action != MembershipAction.Join) throw MatrixException.BadJson("third_party_signed belongs to a join");
        var servers = (via ?? []).Concat(serverName ?? []).Distinct().ToList();
        // A join's body is its member event's content, as Synapse takes it (the server still sets membership and the
        // profile it lacks); a knock keeps only the reason.
        var content = action == MembershipAction.Join ? json : null;
        content?.Remove("third_party_signed");
        var roomId = await mediator.Send(new EnterRoom(requester, roomIdOrAlias, action, servers, body.Reason)
            {
                Content = content,
                ThirdPartySigned = body.ThirdPartySigned,
            },
            request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject { ["room_id"] = roomId });
    }

    private static async Task<IResult> Leave(Requester requester, string roomId, HttpRequest request, IMediator mediator)
    {
        var body = await JsonBody.ReadAsync<ReasonBody>(request, emptyIsObject: true);
        var change = new MembershipChange(RequestIds.RoomId(roomId), requester.UserId, requester.UserId, MembershipAction.Leave) { Reason = body.Reason };
        await mediator.Send(new ChangeMembership(change), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> ChangeOther(Requester requester, string roomId, MembershipAction action, HttpRequest request,
        IValidator<TargetBody> validator, IMediator mediator)
    {
        var room = RequestIds.RoomId(roomId);
        var json = await JsonBody.ReadObjectAsync(request);
        var body = JsonBody.Bind(json, validator);
        if (body.IsThirdParty)
        {
            if (action != MembershipAction.Invite) throw MatrixException.MissingParam("Missing user_id");
            request.HttpContext.RequestServices.GetRequiredService<RateLimits>().AcquireFor(RateLimitPolicy.ThirdPartyInvite, request.HttpContext);
            await mediator.Send(new InviteThirdParty(requester, room, ThirdPartyInvitee.From(json)), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        }

        var change = new MembershipChange(room, requester.UserId, body.UserId!, action) { Reason = body.Reason, SenderIsGuest = requester.IsGuest };
        await mediator.Send(new ChangeMembership(change), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }
}
