using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.FederationApi.KeysEndpoints;

/// <summary>
/// The federation endpoints of end-to-end encryption (server-server API "End-to-End Encryption"): a
/// user's device list, key queries and one-time key claims, for local users only. X-Matrix
/// authenticated, and refused to denied servers, through the federation group.
/// </summary>
public static class UserKeysApi
{
    public static IEndpointRouteBuilder MapFederationUserKeysApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapFederationGroup("/_matrix/federation/v1/user");
        v1.MapGet("/devices/{userId}", async (string userId, FederationRequester requester, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetUserDevicesQuery(userId), ct)));
        v1.MapPost("/keys/query", async (FederationRequester requester, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new QueryUserKeysQuery(Body(requester)), ct)));
        v1.MapPost("/keys/claim", async (FederationRequester requester, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new ClaimUserKeysCommand(Body(requester)), ct)));
        return app;
    }

    private static JsonObject Body(FederationRequester requester) => requester.Content ?? throw MatrixException.NotJson();
}
