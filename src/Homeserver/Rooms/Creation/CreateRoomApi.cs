using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Rooms.Creation;

/// <summary>POST /_matrix/client/v3/createRoom.</summary>
public static class CreateRoomApi
{
    public static IEndpointRouteBuilder MapCreateRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v3/createRoom", async (Requester requester, HttpRequest request, IValidator<CreateRoomBody> validator, IMediator mediator) =>
        {
            var body = await JsonBody.ReadAsync(request, validator, emptyIsObject: true);
            var roomId = await mediator.Send(new CreateRoom(requester, body), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject { ["room_id"] = roomId });
        }).DenySuspended();
        return app;
    }
}
