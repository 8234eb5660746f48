using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>The login and registration type an AS uses with its as_token (spec: "Server admin style permissions").</summary>
public static class AppServiceLoginType
{
    public const string Name = "m.login.application_service";

    /// <summary>The AS whose as_token the request carries.</summary>
    /// <exception cref="MatrixException">401 M_MISSING_TOKEN or M_UNKNOWN_TOKEN, as for any client request.</exception>
    public static AppServiceRegistration Authenticate(HttpRequest request, AppServiceRegistry registry)
    {
        var token = Requester.ReadAccessToken(request) ?? throw new MatrixException(401, ErrorCodes.MissingToken, "Missing access token");
        return registry.ByAsToken(token) ?? throw new MatrixException(401, ErrorCodes.UnknownToken, "Unrecognised access token");
    }
}

/// <summary>POST /register with type m.login.application_service: a passwordless user of the AS's namespace, no UIA.</summary>
public sealed record RegisterAppServiceUserCommand(AppServiceRegistration AppService, RegisterBody Body) : ICommand<RegisterResponse>;

/// <summary>
/// Registers AS users. Allowed whatever the registration mode (the AS is trusted by its registration file); the
/// user is marked as the AS's (users.appservice_id), which is what makes it "exist" for the AS's queries.
/// </summary>
public sealed class RegisterAppServiceUserHandler(HomeserverDbContext db, HomeserverOptions options, AccountCreator accounts, SessionIssuer sessions)
    : ICommandHandler<RegisterAppServiceUserCommand, RegisterResponse>
{
    public async ValueTask<RegisterResponse> Handle(RegisterAppServiceUserCommand command, CancellationToken cancellationToken)
    {
        var body = command.Body;
        var username = body.Username ?? throw MatrixException.MissingParam("username is required");
        var localpart = await accounts.CheckAppServiceUsernameAsync(username, command.AppService, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await accounts.CreateAsync(localpart, passwordHash: null, appServiceId: command.AppService.Id, cancellationToken: cancellationToken);
        var session = await sessions.RegisteredSessionAsync(db, user.UserId, body, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return RegisterResponse.From(user.UserId, options.ServerName, session);
    }
}

/// <summary>
/// POST /login with type m.login.application_service: a session for an existing user of the AS's users namespace
/// (others: 403 M_EXCLUSIVE, as Synapse answers).
/// </summary>
public static class AppServiceLogin
{
    public static async Task<string> UserAsync(AppServiceRegistration appService, string userId, HomeserverDbContext db, CancellationToken cancellationToken)
    {
        if (!appService.IsInterestedInUser(userId)) throw new MatrixException(403, ErrorCodes.Exclusive, "The user is not in this application service's namespace");
        var user = await db.Users.AsNoTracking().Where(u => u.UserId == userId).Select(u => new { u.Deactivated }).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.Forbidden("Invalid username");
        if (user.Deactivated) throw new MatrixException(403, ErrorCodes.UserDeactivated, "This account has been deactivated");
        return userId;
    }
}
