using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>PUT/GET /_matrix/client/v3/presence/{userId}/status (spec: "Presence").</summary>
public static class PresenceApi
{
    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/client/v3/presence/{userId}/status");
        group.MapPut("", SetAsync);
        group.MapGet("", GetAsync);
        return app;
    }

    private static async Task<IResult> SetAsync(HttpRequest request, Requester requester, string userId, IMediator mediator, IValidator<PresenceBody> validator)
    {
        var body = await JsonBody.ReadAsync(request, validator);
        await mediator.Send(new SetPresence(requester, userId, PresenceStates.FromWire(body.Presence)!.Value, body.StatusMsg), request.HttpContext.RequestAborted);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> GetAsync(Requester requester, string userId, IMediator mediator, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(new GetPresence(requester, userId), cancellationToken));
}

/// <summary>The body of PUT /presence/{userId}/status.</summary>
public sealed record PresenceBody(string? Presence, string? StatusMsg);

public sealed class PresenceBodyValidator : AbstractValidator<PresenceBody>
{
    public PresenceBodyValidator()
    {
        RuleFor(b => b.Presence).NotNull().WithMessage("presence is required");
        RuleFor(b => b.Presence).Must(p => PresenceStates.FromWire(p) is not null).When(b => b.Presence is not null)
            .WithMessage("presence must be online, unavailable or offline");
    }
}
