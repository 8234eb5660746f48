using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.OpenId;

/// <summary>
/// POST /_matrix/client/v3/user/{userId}/openid/request_token (a user asks for a token for a third party) and
/// GET /_matrix/federation/v1/openid/userinfo (the third party checks it; authenticated by the token alone, as the
/// caller is usually not a homeserver).
/// </summary>
public static class OpenIdApi
{
    public static IEndpointRouteBuilder MapOpenIdApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_matrix/client/v3/user/{userId}/openid/request_token", async (Requester requester, string userId, HttpRequest request, OpenIdTokens tokens) =>
        {
            if (RequestIds.UserId(userId) != requester.UserId) throw MatrixException.Forbidden("Cannot request tokens for other users");
            await JsonBody.ReadObjectAsync(request, emptyIsObject: true);
            var (token, expiresIn) = await tokens.CreateAsync(requester.UserId, request.HttpContext.RequestAborted);
            return Results.Json(new JsonObject
            {
                ["access_token"] = token,
                ["token_type"] = "Bearer",
                ["matrix_server_name"] = tokens.ServerName,
                ["expires_in"] = expiresIn,
            });
        });

        app.MapFederationGroup("/_matrix/federation/v1").MapGet("/openid/userinfo", async ([FromQuery(Name = "access_token")] string? accessToken, OpenIdTokens tokens,
            CancellationToken ct) =>
        {
            var userId = string.IsNullOrEmpty(accessToken) ? null : await tokens.FindUserAsync(accessToken, ct);
            return userId is null
                ? throw new MatrixException(401, ErrorCodes.UnknownToken, "Access token unknown or expired")
                : Results.Json(new JsonObject { ["sub"] = userId });
        }).AllowUnauthenticated().AlsoOnClientListener();
        return app;
    }

    public static IServiceCollection AddOpenId(this IServiceCollection services) => services.AddSingleton<OpenIdTokens>();
}
