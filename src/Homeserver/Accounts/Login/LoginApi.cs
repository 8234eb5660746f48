using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Login;

/// <summary>Sessions: login flows and login, token refresh, logout, whoami, and login tokens for new devices.</summary>
public static class LoginApi
{
    public static IEndpointRouteBuilder MapLoginApi(this IEndpointRouteBuilder app, AuthOptions auth)
    {
        var v3 = app.MapGroup("/_matrix/client/v3");
        v3.MapGet("/login", () => Results.Json(new JsonObject
        {
            ["flows"] = new JsonArray(
                new JsonObject { ["type"] = LoginTypes.Password },
                new JsonObject { ["type"] = LoginTypes.Token, ["get_login_token"] = auth.LoginTokensEnabled },
                new JsonObject { ["type"] = LoginTypes.AppService }),
        }));
        v3.MapPost("/login", LoginAsync).RateLimited(RateLimitPolicy.Login);
        v3.MapPost("/refresh", RefreshAsync);
        v3.MapPost("/logout", LogoutAsync);
        v3.MapPost("/logout/all", LogoutAllAsync);
        v3.MapGet("/account/whoami", (Requester requester) =>
        {
            var answer = new JsonObject { ["user_id"] = requester.UserId, ["is_guest"] = requester.IsGuest };
            // An application service acting without a device has none to report.
            if (requester.HasDevice) answer["device_id"] = requester.DeviceId;
            return Results.Json(answer);
        });

        // Optional in the spec: absent (404 M_UNRECOGNIZED) when login tokens are switched off.
        if (auth.LoginTokensEnabled) app.MapPost("/_matrix/client/v1/login/get_token", GetLoginTokenAsync).DenyGuests();
        return app;
    }

    private static async Task<IResult> LoginAsync(HttpRequest http, IValidator<LoginBody> validator, IMediator mediator, CancellationToken cancellationToken)
    {
        var json = await JsonBody.ReadObjectAsync(http);
        var body = JsonBody.Bind(json, validator);
        return Json(await mediator.Send(new LoginCommand(body, json, Requester.ReadAccessToken(http)), cancellationToken));
    }

    private static async Task<IResult> RefreshAsync(HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var json = await JsonBody.ReadObjectAsync(http);
        var token = JsonFields.String(json, "refresh_token") ?? throw MatrixException.MissingParam("refresh_token is required");
        return Json(await mediator.Send(new RefreshCommand(token), cancellationToken));
    }

    /// <summary>Logout accepts an expired access token (Synapse does): a soft-logged-out client can still end its session.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext http, AccessTokenService tokens, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new LogoutCommand(await ExpiredOkRequesterAsync(http, tokens, cancellationToken)), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> LogoutAllAsync(HttpContext http, AccessTokenService tokens, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new LogoutAllCommand(await ExpiredOkRequesterAsync(http, tokens, cancellationToken)), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> GetLoginTokenAsync(Requester requester, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var json = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var uia = UiaRequest.From(http, JsonFields.Object(json, "auth"), requester);
        return Json(await mediator.Send(new GetLoginTokenCommand(requester, uia), cancellationToken));
    }

    private static async Task<Requester> ExpiredOkRequesterAsync(HttpContext http, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        var token = Requester.ReadAccessToken(http.Request) ?? throw new MatrixException(401, ErrorCodes.MissingToken, "Missing access token");
        return await tokens.ValidateAsync(token, cancellationToken, allowExpired: true);
    }

    private static IResult Json<T>(T response) => Results.Json(response, JsonBody.ResponseOptions);
}
