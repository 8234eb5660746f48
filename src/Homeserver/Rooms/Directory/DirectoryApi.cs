using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Configuration;
using Microsoft.AspNetCore.Mvc;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Remote;
using Mediator;

namespace Matrix.Homeserver.Rooms.Directory;

/// <summary>The published room directory: /publicRooms and /directory/list/room/{roomId}.</summary>
public static class DirectoryApi
{
    public sealed record VisibilityBody(string? Visibility);

    public sealed record PublicRoomsBody(int? Limit, string? Since, PublicRoomsFilter? Filter, bool? IncludeAllNetworks, string? ThirdPartyInstanceId);

    internal sealed class VisibilityBodyValidator : AbstractValidator<VisibilityBody>
    {
        public VisibilityBodyValidator() =>
            RuleFor(b => b.Visibility).Must(v => v is null or "public" or "private")
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("visibility must be 'public' or 'private'");
    }

    public static IEndpointRouteBuilder MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v3");
        client.MapGet("/directory/list/room/{roomId}", async (string roomId, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetDirectoryVisibility(RequestIds.RoomId(roomId)), ct)));
        client.MapPut("/directory/list/room/{roomId}", async (Requester r, string roomId, HttpRequest request, IValidator<VisibilityBody> v, IMediator m) =>
        {
            var room = RequestIds.RoomId(roomId);
            var body = await JsonBody.ReadAsync(request, v, emptyIsObject: true);
            await m.Send(new SetDirectoryVisibility(r, room, body.Visibility != "private"), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        });
        client.MapGet("/publicRooms", async (string? limit, string? since, string? server, [FromQuery(Name = "include_all_networks")] string? includeAllNetworks,
            [FromQuery(Name = "third_party_instance_id")] string? thirdPartyInstanceId, HomeserverOptions options, IRemoteRooms remote, IMediator m,
            CancellationToken ct) =>
        {
            var query = new PublicRoomsBody(QueryParams.Int(limit, "limit"), since, null, includeAllNetworks == "true", thirdPartyInstanceId);
            if (IsRemote(server, options)) return Results.Json(await remote.ListPublicRoomsAsync(server!, query, ct));
            return Results.Json(await m.Send(new ListPublicRooms(query.Limit, since, null, NoRooms: false, thirdPartyInstanceId, query.IncludeAllNetworks == true), ct));
        });
        client.MapPost("/publicRooms", async (Requester _, string? server, HttpRequest request, HomeserverOptions options, IRemoteRooms remote, IMediator m) =>
        {
            var body = await JsonBody.ReadAsync<PublicRoomsBody>(request, emptyIsObject: true);
            if (IsRemote(server, options)) return Results.Json(await remote.ListPublicRoomsAsync(server!, body, request.HttpContext.RequestAborted));
            return Results.Json(await m.Send(new ListPublicRooms(body.Limit, body.Since, body.Filter, NoRooms: false, body.ThirdPartyInstanceId,
                body.IncludeAllNetworks == true), request.HttpContext.RequestAborted));
        });
        return app;
    }

    /// <summary>Another server's directory is asked over federation (<see cref="IRemoteRooms"/>).</summary>
    private static bool IsRemote(string? server, HomeserverOptions options) => server is not null && server != options.ServerName;
}
