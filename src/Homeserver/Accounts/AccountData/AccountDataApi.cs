using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>Client config (account data), global and per room, and room tags (the m.tag room account data).</summary>
public static class AccountDataApi
{
    public static IEndpointRouteBuilder MapAccountDataApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/_matrix/client/v3/user/{userId}").DenyGuests();
        user.MapGet("/account_data/{type}", (Requester requester, string userId, string type, IMediator mediator, CancellationToken ct) =>
            Get(mediator, new GetAccountDataQuery(requester, userId, null, type), ct));
        user.MapPut("/account_data/{type}", (Requester requester, string userId, string type, HttpRequest http, IMediator mediator, CancellationToken ct) =>
            SetAsync(http, content => new SetAccountDataCommand(requester, userId, null, type, content), mediator, ct));
        user.MapGet("/rooms/{roomId}/account_data/{type}", (Requester requester, string userId, string roomId, string type, IMediator mediator, CancellationToken ct) =>
            Get(mediator, new GetAccountDataQuery(requester, userId, roomId, type), ct));
        user.MapPut("/rooms/{roomId}/account_data/{type}", (Requester requester, string userId, string roomId, string type, HttpRequest http, IMediator mediator, CancellationToken ct) =>
            SetAsync(http, content => new SetAccountDataCommand(requester, userId, roomId, type, content), mediator, ct));

        user.MapGet("/rooms/{roomId}/tags", (Requester requester, string userId, string roomId, IMediator mediator, CancellationToken ct) =>
            Get(mediator, new GetTagsQuery(requester, userId, roomId), ct));
        user.MapPut("/rooms/{roomId}/tags/{tag}", (Requester requester, string userId, string roomId, string tag, HttpRequest http, IMediator mediator, CancellationToken ct) =>
            SetAsync(http, content => new ChangeTagCommand(requester, userId, roomId, tag, content), mediator, ct));
        user.MapDelete("/rooms/{roomId}/tags/{tag}", async (Requester requester, string userId, string roomId, string tag, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new ChangeTagCommand(requester, userId, roomId, tag, null), ct);
            return Results.Json(new JsonObject());
        });
        return app;
    }

    private static async Task<IResult> Get(IMediator mediator, IQuery<JsonObject> query, CancellationToken cancellationToken) =>
        Results.Json(await mediator.Send(query, cancellationToken));

    private static async Task<IResult> SetAsync(HttpRequest http, Func<JsonObject, ICommand<Unit>> command, IMediator mediator, CancellationToken cancellationToken)
    {
        var content = await JsonBody.ReadObjectAsync(http);
        await mediator.Send(command(content), cancellationToken);
        return Results.Json(new JsonObject());
    }
}
