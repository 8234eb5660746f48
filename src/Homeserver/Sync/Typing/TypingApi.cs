using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Sync.Typing;

/// <summary>PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId} (spec: "Typing Notifications").</summary>
public static class TypingApi
{
    public static IEndpointRouteBuilder MapTypingApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/_matrix/client/v3/rooms/{roomId}/typing/{userId}", SetAsync);
        return app;
    }

    private static async Task<IResult> SetAsync(HttpRequest request, Requester requester, string roomId, string userId, IMediator mediator, IValidator<TypingBody> validator)
    {
        var body = await JsonBody.ReadAsync(request, validator);
        await mediator.Send(new SetTyping(requester, roomId, userId, body.Typing!.Value, body.Timeout), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }
}

/// <summary>The body of PUT .../typing/{userId}.</summary>
public sealed record TypingBody(bool? Typing, long? Timeout);

public sealed class TypingBodyValidator : AbstractValidator<TypingBody>
{
    public TypingBodyValidator()
    {
        RuleFor(b => b.Typing).NotNull().WithMessage("typing is required");
        RuleFor(b => b.Timeout).GreaterThanOrEqualTo(0).When(b => b.Timeout is not null).WithMessage("timeout must not be negative");
    }
}
