using System.Text.Json;
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

public static class RegisteredSessions
{
    /// <summary>A registered account's first session, with the device the body names; none with inhibit_login.</summary>
    public static async Task<IssuedSession?> RegisteredSessionAsync(this SessionIssuer sessions, HomeserverDbContext db, string userId, RegisterBody body,
        CancellationToken cancellationToken) =>
        body.InhibitLogin == true
            ? null
            : await sessions.IssueAsync(db, userId, body.DeviceId, body.InitialDeviceDisplayName, body.RefreshToken == true, cancellationToken);
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

        UiaResult result;
        try
        {
            result = await uia.CheckAsync(command.Uia, Flows(options.Registration.Mode), "register a new account", intent: null, cancellationToken);
        }
        catch (UiaRequiredException e)
        {
            await RememberAsync(e.SessionId, body, cancellationToken);
            throw;
        }

        // As Synapse: what the client gave in an earlier request of the session counts when this one leaves it out, and a
        // retry of a registration that went through (its answer lost) logs in to the account it made.
        var remembered = await uia.GetDataAsync(result.SessionId, cancellationToken);
        body = Recalled(body, remembered);
        if (result.Finished && JsonFields.String(remembered, RegisteredUserKey) is { } registered)
        {
            return await LogInAsync(registered, body, cancellationToken);
        }

        if (guest is null && localpart is null && body.Username is not null) localpart = await accounts.CheckUsernameAsync(body.Username, cancellationToken);
        var hash = body.Password is not null ? await hasher.HashAsync(body.Password)
            : JsonFields.String(remembered, PasswordHashKey) ?? throw MatrixException.MissingParam("Missing params: password");

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var userId = guest ?? (await accounts.CreateAsync(localpart, hash, cancellationToken: cancellationToken)).UserId;
        if (guest is not null && await db.Users.Where(u => u.UserId == guest && u.IsGuest)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsGuest, false).SetProperty(u => u.PasswordHash, hash), cancellationToken) == 0)
        {
            throw MatrixException.Forbidden("This guest account has already been upgraded");
        }

        remembered[RegisteredUserKey] = userId;
        await uia.SetDataAsync(result.SessionId, remembered, cancellationToken);
        await uia.FinishAsync(result, cancellationToken);
        var session = await sessions.RegisteredSessionAsync(db, userId, body, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The guest's tokens stay valid; their cached validations still say guest.
        if (guest is not null) tokens.InvalidateCache(r => r.UserId == guest);
        return RegisterResponse.From(userId, options.ServerName, session);
    }

    private const string RegisteredUserKey = "registered_user_id";
    private const string PasswordHashKey = "password_hash";

    /// <summary>The body fields a later request of the session may leave out (the password is kept as its hash only).</summary>
    private static readonly string[] RememberedFields = ["username", "device_id", "initial_device_display_name", "inhibit_login", "refresh_token"];

    /// <summary>Keeps what this request of the session gave for the next (the password hashed once per session, as Synapse).</summary>
    private async Task RememberAsync(string sessionId, RegisterBody body, CancellationToken cancellationToken)
    {
        var data = await uia.GetDataAsync(sessionId, cancellationToken);
        var given = JsonSerializer.SerializeToNode(body, JsonBody.ResponseOptions)!.AsObject();
        foreach (var field in RememberedFields)
        {
            if (given[field] is { } value) data[field] = value.DeepClone();
        }

        if (body.Password is not null && !data.ContainsKey(PasswordHashKey)) data[PasswordHashKey] = await hasher.HashAsync(body.Password);
        await uia.SetDataAsync(sessionId, data, cancellationToken);
    }

    private static RegisterBody Recalled(RegisterBody body, JsonObject remembered)
    {
        bool? Flag(string key) => remembered[key] is JsonValue v && v.TryGetValue(out bool b) ? b : null;
        return body with
        {
            Username = body.Username ?? JsonFields.String(remembered, "username"),
            DeviceId = body.DeviceId ?? JsonFields.String(remembered, "device_id"),
            InitialDeviceDisplayName = body.InitialDeviceDisplayName ?? JsonFields.String(remembered, "initial_device_display_name"),
            InhibitLogin = body.InhibitLogin ?? Flag("inhibit_login"),
            RefreshToken = body.RefreshToken ?? Flag("refresh_token"),
        };
    }

    /// <summary>A retried registration: the account exists, the client gets a session for it (unless it asked for none).</summary>
    private async Task<RegisterResponse> LogInAsync(string userId, RegisterBody body, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var session = await sessions.RegisteredSessionAsync(db, userId, body, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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
