using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Rooms.Upgrades;

/// <summary>POST /_matrix/client/v3/rooms/{roomId}/upgrade.</summary>
public static class UpgradeApi
{
    public sealed record UpgradeBody(string? NewVersion, IReadOnlyList<string>? AdditionalCreators);

    internal sealed class UpgradeBodyValidator : AbstractValidator<UpgradeBody>
    {
        public UpgradeBodyValidator()
        {
            RuleFor(b => b.NewVersion).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing new_version");
            RuleForEach(b => b.AdditionalCreators).Must(u => Matrix.Federation.Identifiers.UserId.IsValid(u))
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage((_, u) => $"'{u}' is not a valid user ID");
        }
    }

    public static IEndpointRouteBuilder MapUpgradeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v3/rooms/{roomId}/upgrade", async (Requester r, string roomId, HttpRequest request, IValidator<UpgradeBody> v, IMediator m) =>
        {
            var room = RequestIds.RoomId(roomId);
            var body = await JsonBody.ReadAsync(request, v);
            var version = RoomVersions.Find(body.NewVersion!)
                ?? throw new MatrixException(400, ErrorCodes.UnsupportedRoomVersion, "This server does not support that room version");
            var replacement = await m.Send(new UpgradeRoom(r, room, version, body.AdditionalCreators), request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject { ["replacement_room"] = replacement });
        }).DenySuspended();
        return app;
    }
}
