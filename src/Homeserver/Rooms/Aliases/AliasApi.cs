using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Rooms.Aliases;

/// <summary>Room aliases: PUT/GET/DELETE /directory/room/{roomAlias} and GET /rooms/{roomId}/aliases.</summary>
public static class AliasApi
{
    public sealed record AliasBody(string? RoomId);

    internal sealed class AliasBodyValidator : AbstractValidator<AliasBody>
    {
        public AliasBodyValidator()
        {
            RuleFor(b => b.RoomId).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing room_id");
            RuleFor(b => b.RoomId).Must(r => Matrix.Federation.Identifiers.RoomId.IsValid(r))
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage(b => $"'{b.RoomId}' is not a valid room ID").When(b => b.RoomId is not null);
        }
    }

    public static IEndpointRouteBuilder MapAliasApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v3");
        client.MapPut("/directory/room/{roomAlias}", async (Requester r, string roomAlias, HttpRequest request, IValidator<AliasBody> v, IMediator m) =>
        {
            var alias = RequestIds.Alias(roomAlias);
            var body = await JsonBody.ReadAsync(request, v);
            await m.Send(new SetRoomAlias(r, alias, body.RoomId!), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject());
        });
        client.MapGet("/directory/room/{roomAlias}", async (string roomAlias, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetRoomAlias(RequestIds.Alias(roomAlias)), ct)));
        client.MapDelete("/directory/room/{roomAlias}", async (Requester r, string roomAlias, IMediator m, CancellationToken ct) =>
        {
            await m.Send(new DeleteRoomAlias(r, RequestIds.Alias(roomAlias)), ct);
            return Results.Json(new JsonObject());
        });
        client.MapGet("/rooms/{roomId}/aliases", async (Requester r, string roomId, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new GetLocalAliases(r, RequestIds.RoomId(roomId)), ct)));
        return app;
    }
}
