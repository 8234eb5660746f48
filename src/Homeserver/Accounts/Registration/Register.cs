using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>The body of POST /register for kind=user.</summary>
public sealed record RegisterBody(
    JsonObject? Auth,
    string? Username,
    string? Password,
    string? DeviceId,
    string? InitialDeviceDisplayName,
    bool? InhibitLogin,
    bool? RefreshToken,
    string? GuestAccessToken);

internal sealed class RegisterBodyValidator : AbstractValidator<RegisterBody>
{
    public RegisterBodyValidator()
    {
        RuleFor(b => b.Username).MaximumLength(512).WithMessage("Invalid username");
        RuleFor(b => b.DeviceId).Length(1, SessionIssuer.MaxDeviceIdLength).When(b => b.DeviceId is not null)
            .WithMessage($"device_id must be 1 to {SessionIssuer.MaxDeviceIdLength} characters");
    }
}

/// <summary>The answer of POST /register (login fields absent with inhibit_login).</summary>
public sealed record RegisterResponse(string UserId, string HomeServer, string? AccessToken, string? DeviceId, string? RefreshToken, long? ExpiresInMs)
{
    public static RegisterResponse From(string userId, string homeServer, IssuedSession? session) =>
        new(userId, homeServer, session?.AccessToken, session?.DeviceId, session?.RefreshToken, session?.ExpiresInMs);
}

/// <summary>Registers a user account through user-interactive auth.</summary>
public sealed record RegisterUserCommand(RegisterBody Body, UiaRequest Uia) : ICommand<RegisterResponse>;

/// <summary>Registers a guest: only the initial device name is read; the server picks every ID.</summary>
public sealed record RegisterGuestCommand(string? InitialDeviceDisplayName) : ICommand<RegisterResponse>;

public sealed class RegisterHandler(
    HomeserverDbContext db,
    HomeserverOptions options,
    AccountCreator accounts,
    UserInteractiveAuth uia,
    PasswordPolicy policy,
    PasswordHasher hasher,
    SessionIssuer sessions,
    AccessTokenService tokens) : ICommandHandler<RegisterUserCommand, RegisterResponse>, ICommandHandler<RegisterGuestCommand, RegisterResponse>
{
    public async ValueTask<RegisterResponse> Handle(RegisterUserCommand command, CancellationToken cancellationToken)
    {
        var body = command.Body;
        if (options.Registration.Mode == RegistrationMode.Closed) throw MatrixException.Forbidden("Registration has been disabled");

        // The spec wants name and password problems reported before the client goes through auth.
        var guest = body.GuestAccessToken is null ? null : await GuestToUpgradeAsync(body.GuestAccessToken, body.Username, cancellationToken);
        var localpart = guest is not null ? null : body.Username is null ? null : await accounts.CheckUsernameAsync(body.Username, cancellationToken);
        if (body.Password is not null) policy.Check(body.Password);

        var result = await uia.CheckAsync(command.Uia, Flows(options.Registration.Mode), "register a new account", intent: null, cancellationToken);
        var password = body.Password ?? throw MatrixException.MissingParam("Missing params: password");
        var hash = await hasher.HashAsync(password);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var userId = guest ?? (await accounts.CreateAsync(localpart, hash, cancellationToken: cancellationToken)).UserId;
        if (guest is not null && await db.Users.Where(u => u.UserId == guest && u.IsGuest)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, false).SetProperty(u => u.PasswordHash, hash), cancellationToken) == 0)
        {
            throw MatrixException.Forbidden("This guest account has already been upgraded");
        }

        await uia.ConsumeAsync(result, cancellationToken);
        var session = body.InhibitLogin == true
            ? null
            : await sessions.IssueAsync(db, userId, body.DeviceId, body.InitialDeviceDisplayName, body.RefreshToken == true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The guest's tokens stay valid; their cached validations still say guest.
        if (guest is not null) tokens.InvalidateCache(r => r.UserId == guest);
        return RegisterResponse.From(userId, options.ServerName, session);
    }

    /// <summary>
    /// The spec's guest upgrade: <c>guest_access_token</c> names the guest account that becomes a full one, whose localpart
    /// <c>username</c> must repeat. Another user's name, or a token not of a guest, is 403 (as Synapse).
    /// </summary>
    private async Task<string> GuestToUpgradeAsync(string guestAccessToken, string? username, CancellationToken cancellationToken)
    {
        if (username is null) throw MatrixException.MissingParam("username is required to upgrade a guest account");
        var guest = await tokens.ValidateAsync(guestAccessToken, cancellationToken);
        if (!guest.IsGuest || guest.UserId != UserIds.Of(username.ToLowerInvariant(), options.ServerName))
        {
            throw MatrixException.Forbidden("Cannot register taken user ID without valid guest credentials for that user.");
        }

        return guest.UserId;
    }

    public async ValueTask<RegisterResponse> Handle(RegisterGuestCommand command, CancellationToken cancellationToken)
    {
        if (!options.Registration.AllowGuests) throw MatrixException.Forbidden("Guest access is disabled");
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await accounts.CreateAsync(localpart: null, passwordHash: null, isGuest: true, cancellationToken: cancellationToken);
        var session = await sessions.IssueAsync(db, user.UserId, deviceId: null, command.InitialDeviceDisplayName, withRefreshToken: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return RegisterResponse.From(user.UserId, options.ServerName, session);
    }

    /// <summary>
    /// Open registration needs nothing (m.login.dummy) but also takes a registration token; token mode
    /// needs the token.
    /// </summary>
    public static IReadOnlyList<UiaFlow> Flows(RegistrationMode mode) => mode == RegistrationMode.Token
        ? [new UiaFlow(UiaStageTypes.RegistrationToken)]
        : [new UiaFlow(UiaStageTypes.Dummy), new UiaFlow(UiaStageTypes.RegistrationToken)];
}
