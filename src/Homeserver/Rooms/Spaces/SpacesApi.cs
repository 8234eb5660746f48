using Matrix.Homeserver.Http;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/hierarchy and GET /_matrix/client/v1/room_summary/{roomIdOrAlias}.</summary>
public static class SpacesApi
{
    public static IEndpointRouteBuilder MapSpacesApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v1");
        client.MapGet("/rooms/{roomId}/hierarchy", async (Requester r, string roomId, [FromQuery(Name = "suggested_only")] string? suggestedOnly,
            string? limit, [FromQuery(Name = "max_depth")] string? maxDepth, string? from, IMediator m, CancellationToken ct) =>
        {
            var query = new GetSpaceHierarchy(r, RequestIds.RoomId(roomId), QueryParams.Bool(suggestedOnly, "suggested_only"),
                QueryParams.Int(limit, "limit"), QueryParams.Int(maxDepth, "max_depth"), from);
            return Results.Json(await m.Send(query, ct));
        });
        client.MapGet("/room_summary/{roomIdOrAlias}", async (HttpContext context, string roomIdOrAlias, [FromQuery] string[]? via, IMediator m) =>
        {
            // Anonymous callers may preview public rooms; a token, when sent, must be valid.
            var requester = Requester.ReadAccessToken(context.Request) is null ? null : await Requester.BindAsync(context);
            return Results.Json(await m.Send(new GetRoomSummary(requester, roomIdOrAlias, via ?? []), context.RequestAborted));
        });
        return app;
    }
}
