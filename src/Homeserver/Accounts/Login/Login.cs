using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Login;

/// <summary>The fields of POST /login every login type shares (type-specific ones are read from the object).</summary>
public sealed record LoginBody(string? Type, string? DeviceId, string? InitialDeviceDisplayName, bool? RefreshToken);

internal sealed class LoginBodyValidator : AbstractValidator<LoginBody>
{
    public LoginBodyValidator()
    {
        RuleFor(b => b.Type).NotNull().WithMessage("type is required");
        RuleFor(b => b.DeviceId).Length(1, SessionIssuer.MaxDeviceIdLength).When(b => b.DeviceId is not null)
            .WithMessage($"device_id must be 1 to {SessionIssuer.MaxDeviceIdLength} characters");
    }
}

public sealed record LoginResponse(string UserId, string AccessToken, string DeviceId, string HomeServer, string? RefreshToken, long? ExpiresInMs, JsonObject WellKnown);

/// <param name="AccessToken">The request's access token: an application service logs in with its as_token.</param>
public sealed record LoginCommand(LoginBody Body, JsonObject Json, string? AccessToken = null) : ICommand<LoginResponse>;

/// <summary>The login types offered by GET /login.</summary>
public static class LoginTypes
{
    public const string Password = "m.login.password";
    public const string Token = "m.login.token";
    public const string AppService = AppServiceLoginType.Name;
}

public sealed class LoginHandler(
    HomeserverDbContext db,
    HomeserverOptions options,
    PasswordAuthenticator passwords,
    LoginTokenService loginTokens,
    SessionIssuer sessions,
    AppServiceRegistry appServices) : ICommandHandler<LoginCommand, LoginResponse>
{
    public async ValueTask<LoginResponse> Handle(LoginCommand command, CancellationToken cancellationToken)
    {
        var userId = command.Body.Type switch
        {
            LoginTypes.Password => (await passwords.AuthenticateAsync(command.Json, cancellationToken)).UserId,
            LoginTypes.Token => await TokenUserAsync(command.Json, cancellationToken),
            LoginTypes.AppService => await AppServiceLogin.UserAsync(AppServiceOf(command.AccessToken),
                UserIdentifiers.Resolve(command.Json, options.ServerName), db, cancellationToken),
            _ => throw new MatrixException(400, ErrorCodes.Unknown, "Unknown login type"),
        };

        // A locked account gets no new access token until it is unlocked (spec: Account locking).
        if (await db.Users.AnyAsync(u => u.UserId == userId && u.Locked, cancellationToken)) throw RestrictedAccess.LockedError();
        var session = await sessions.IssueAsync(db, userId, command.Body.DeviceId, command.Body.InitialDeviceDisplayName,
            command.Body.RefreshToken == true, cancellationToken);
        return new LoginResponse(userId, session.AccessToken, session.DeviceId, options.ServerName, session.RefreshToken, session.ExpiresInMs,
            new JsonObject { ["m.homeserver"] = new JsonObject { ["base_url"] = options.PublicBaseUrl ?? options.Listeners.Client.Url } });
    }

    private AppServiceRegistration AppServiceOf(string? token) =>
        appServices.ByAsToken(token ?? throw new MatrixException(401, ErrorCodes.MissingToken, "Missing access token"))
            ?? throw new MatrixException(401, ErrorCodes.UnknownToken, "Unrecognised access token");

    private async Task<string> TokenUserAsync(JsonObject json, CancellationToken cancellationToken)
    {
        var token = JsonFields.String(json, "token") ?? throw MatrixException.MissingParam("token is required");
        var userId = await loginTokens.ConsumeAsync(db, token, cancellationToken) ?? throw MatrixException.Forbidden("Invalid login token");
        if (await db.Users.AnyAsync(u => u.UserId == userId && u.Deactivated, cancellationToken))
        {
            throw new MatrixException(403, ErrorCodes.UserDeactivated, "This account has been deactivated");
        }

        return userId;
    }
}
