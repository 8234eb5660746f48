using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Accounts.Login;

public sealed record RefreshResponse(string AccessToken, string? RefreshToken, long? ExpiresInMs);

/// <summary>POST /refresh.</summary>
public sealed record RefreshCommand(string RefreshToken) : ICommand<RefreshResponse>;

/// <summary>POST /logout: the caller's device and its tokens go.</summary>
public sealed record LogoutCommand(Requester Requester) : ICommand<Unit>;

/// <summary>POST /logout/all: every device and token of the user go.</summary>
public sealed record LogoutAllCommand(Requester Requester) : ICommand<Unit>;

public sealed record LoginTokenResponse(string LoginToken, long ExpiresInMs);

/// <summary>POST /login/get_token: always behind a fresh password prompt, and at most one a minute by default.</summary>
public sealed record GetLoginTokenCommand(Requester Requester, UiaRequest Uia) : ICommand<LoginTokenResponse>;

public sealed class SessionHandlers(
    HomeserverDbContext db,
    RefreshTokenService refreshTokens,
    DeviceService devices,
    UserInteractiveAuth uia,
    LoginTokenService loginTokens,
    RateLimits limits)
    : ICommandHandler<RefreshCommand, RefreshResponse>,
      ICommandHandler<LogoutCommand, Unit>,
      ICommandHandler<LogoutAllCommand, Unit>,
      ICommandHandler<GetLoginTokenCommand, LoginTokenResponse>
{
    public async ValueTask<RefreshResponse> Handle(RefreshCommand command, CancellationToken cancellationToken)
    {
        var issued = await refreshTokens.RefreshAsync(db, command.RefreshToken, cancellationToken);
        return new RefreshResponse(issued.AccessToken, issued.RefreshToken, issued.ExpiresInMs);
    }

    public async ValueTask<Unit> Handle(LogoutCommand command, CancellationToken cancellationToken)
    {
        await devices.DeleteAsync(command.Requester.UserId, [command.Requester.DeviceId], cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(LogoutAllCommand command, CancellationToken cancellationToken)
    {
        await devices.DeleteAllAsync(command.Requester.UserId, keepDeviceId: null, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<LoginTokenResponse> Handle(GetLoginTokenCommand command, CancellationToken cancellationToken)
    {
        // Checked before the prompt so a user is not asked for a password only to be refused.
        limits.Check(RateLimitPolicy.LoginToken, command.Requester.UserId);
        await uia.RequireAsync(command.Uia, [new UiaFlow(UiaStageTypes.Password)], "log in another device", cancellationToken: cancellationToken);
        limits.Acquire(RateLimitPolicy.LoginToken, command.Requester.UserId);
        var (token, expiresInMs) = await loginTokens.CreateAsync(db, command.Requester.UserId, cancellationToken);
        return new LoginTokenResponse(token, expiresInMs);
    }
}
