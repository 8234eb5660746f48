using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Profiles;

/// <summary>GET /profile/{userId} and GET/PUT/DELETE /profile/{userId}/{keyName}.</summary>
public static class ProfileApi
{
    public static IEndpointRouteBuilder MapProfileApi(this IEndpointRouteBuilder app)
    {
        var profile = app.MapGroup("/_matrix/client/v3/profile/{userId}");
        profile.MapGet("", async (string userId, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetProfileQuery(userId, Key: null), ct)));
        profile.MapGet("/{keyName}", async (string userId, string keyName, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetProfileQuery(userId, keyName), ct)));
        profile.MapPut("/{keyName}", SetAsync).DenySuspended();
        profile.MapDelete("/{keyName}", async (Requester requester, string userId, string keyName, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new ChangeProfileCommand(requester, userId, keyName, Delete: true, Value: null), ct);
            return Results.Json(new JsonObject());
        }).DenySuspended();
        return app;
    }

    private static async Task<IResult> SetAsync(Requester requester, string userId, string keyName, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        if (!body.TryGetPropertyValue(keyName, out var value)) throw MatrixException.MissingParam($"The body must hold the '{keyName}' property");
        await mediator.Send(new ChangeProfileCommand(requester, userId, keyName, Delete: false, value), cancellationToken);
        return Results.Json(new JsonObject());
    }
}
