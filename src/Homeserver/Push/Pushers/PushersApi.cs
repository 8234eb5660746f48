using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Push.Pushers;

/// <summary>The pushers API (spec: "Client behaviour" of push notifications).</summary>
public static class PushersApi
{
    /// <param name="app">The client API's /_matrix/client/v3 group.</param>
    public static IEndpointRouteBuilder MapPushersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/pushers", async (Requester requester, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetPushersQuery(requester), ct)));
        app.MapPost("/pushers/set", async (Requester requester, HttpRequest http, IMediator mediator, IValidator<SetPusherCommand> validator, CancellationToken ct) =>
        {
            var json = await JsonBody.ReadObjectAsync(http);
            var command = new SetPusherCommand(requester, JsonBody.Bind<SetPusherBody>(json), json.ContainsKey("kind"));
            JsonBody.ThrowIfInvalid(validator.Validate(command));
            await mediator.Send(command, ct);
            return Results.Json(new JsonObject());
        });
        return app;
    }
}
