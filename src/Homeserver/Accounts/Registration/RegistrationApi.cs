using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>Client registration: POST /register, username availability, registration token validity.</summary>
public static class RegistrationApi
{
    public static IEndpointRouteBuilder MapRegistrationApi(this IEndpointRouteBuilder app)
    {
        var v3 = app.MapGroup("/_matrix/client/v3");
        v3.MapPost("/register", RegisterAsync).RateLimited(RateLimitPolicy.Register);
        v3.MapGet("/register/available", AvailableAsync).RateLimited(RateLimitPolicy.Register);
        app.MapGet("/_matrix/client/v1/register/m.login.registration_token/validity", TokenValidityAsync).RateLimited(RateLimitPolicy.Register);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpRequest http, IValidator<RegisterBody> validator, IMediator mediator, string? kind, CancellationToken cancellationToken)
    {
        var json = await JsonBody.ReadObjectAsync(http);
        RegisterResponse response;
        switch (kind ?? "user")
        {
            case "guest":
                // The spec: everything but initial_device_display_name is ignored for guests.
                var name = json["initial_device_display_name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                response = await mediator.Send(new RegisterGuestCommand(name), cancellationToken);
                break;
            case "user" when JsonFields.String(json, "type") == AppServiceLoginType.Name:
                var appService = AppServiceLoginType.Authenticate(http, http.HttpContext.RequestServices.GetRequiredService<AppServiceRegistry>());
                response = await mediator.Send(new RegisterAppServiceUserCommand(appService, JsonBody.Bind(json, validator)), cancellationToken);
                break;
            case "user":
                var body = JsonBody.Bind(json, validator);
                response = await mediator.Send(new RegisterUserCommand(body, UiaRequest.From(http, body.Auth, requester: null)), cancellationToken);
                break;
            default:
                throw new MatrixException(400, ErrorCodes.Unrecognized, $"Unknown account kind '{kind}'");
        }

        return Results.Json(response, JsonBody.ResponseOptions);
    }

    private static async Task<IResult> AvailableAsync(string? username, HomeserverOptions options, AccountCreator accounts, CancellationToken cancellationToken)
    {
        if (options.Registration.Mode == RegistrationMode.Closed) throw MatrixException.Forbidden("Registration has been disabled");
        await accounts.CheckUsernameAsync(username ?? throw MatrixException.MissingParam("username is required"), cancellationToken);
        return Results.Json(new JsonObject { ["available"] = true });
    }

    private static async Task<IResult> TokenValidityAsync(string? token, HomeserverOptions options, HomeserverDbContext db, RegistrationTokenService tokens,
        CancellationToken cancellationToken)
    {
        if (options.Registration.Mode == RegistrationMode.Closed) throw MatrixException.Forbidden("Registration tokens are not enabled");
        var value = token ?? throw MatrixException.MissingParam("token is required");
        return Results.Json(new JsonObject { ["valid"] = await tokens.IsValidAsync(db, value, cancellationToken) });
    }
}
