using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>
/// Synapse's shared-secret registration (/_synapse/admin/v1/register), used by register_new_matrix_user
/// and synadm: GET a nonce, then POST the account with an HMAC-SHA1, keyed by the shared secret, over
/// nonce\0username\0password\0admin|notadmin[\0user_type]. Refused (400, as Synapse) unless Registration:SharedSecret is set.
/// </summary>
public static class SharedSecretRegistrationApi
{
    /// <summary>The user types Synapse knows.</summary>
    public static readonly string[] UserTypes = ["support", "bot"];

    public static IEndpointRouteBuilder MapSharedSecretRegistrationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_synapse/admin/v1/register", (HomeserverOptions options, SharedSecretNonces nonces) =>
        {
            SecretOrThrow(options);
            return Results.Json(new JsonObject { ["nonce"] = nonces.Issue() });
        });
        app.MapPost("/_synapse/admin/v1/register", RegisterAsync);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpRequest http, HomeserverOptions options, SharedSecretNonces nonces, HomeserverDbContext db,
        AccountCreator accounts, PasswordHasher hasher, SessionIssuer sessions, CancellationToken cancellationToken)
    {
        var secret = SecretOrThrow(options);
        var body = await JsonBody.ReadObjectAsync(http);
        var nonce = JsonFields.String(body, "nonce") ?? throw MatrixException.BadJson("nonce must be specified");
        // The nonce is spent even when the rest is wrong, so each guess needs a new one.
        if (!nonces.TryConsume(nonce)) throw new MatrixException(400, ErrorCodes.Unknown, "unrecognised nonce");

        var username = Field(body, "username");
        var password = Field(body, "password");
        var admin = body["admin"] is JsonValue a && a.TryGetValue<bool>(out var isAdmin) && isAdmin;
        var userType = JsonFields.String(body, "user_type");
        if (userType is not null && !UserTypes.Contains(userType)) throw new MatrixException(400, ErrorCodes.Unknown, "Invalid user type");
        var displayName = JsonFields.String(body, "displayname");
        var mac = JsonFields.String(body, "mac") ?? throw MatrixException.BadJson("mac must be specified");
        if (!MacMatches(secret, mac, nonce, username, password, admin, userType)) throw MatrixException.Forbidden("HMAC incorrect");

        var localpart = await accounts.CheckUsernameAsync(username, cancellationToken);
        var hash = await hasher.HashAsync(password);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await accounts.CreateAsync(localpart, hash, isAdmin: admin, displayName: displayName, userType: userType, cancellationToken: cancellationToken);
        var session = await sessions.IssueAsync(db, user.UserId, JsonFields.String(body, "device_id"),
            JsonFields.String(body, "initial_device_display_name"), withRefreshToken: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Results.Json(RegisterResponse.From(user.UserId, options.ServerName, session), JsonBody.ResponseOptions);
    }

    /// <summary>The HMAC the caller must have computed, compared in constant time.</summary>
    public static bool MacMatches(string secret, string mac, string nonce, string username, string password, bool admin, string? userType)
    {
        var message = new StringBuilder().Append(nonce).Append('\0').Append(username).Append('\0').Append(password).Append('\0')
            .Append(admin ? "admin" : "notadmin");
        if (!string.IsNullOrEmpty(userType)) message.Append('\0').Append(userType);
        // HMAC-SHA1 is what Synapse's protocol fixes; as an HMAC it is not weakened by SHA-1's collisions.
#pragma warning disable CA5350
        var mac160 = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message.ToString()));
#pragma warning restore CA5350
        var want = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(mac160));
        return CryptographicOperations.FixedTimeEquals(want, Encoding.UTF8.GetBytes(mac));
    }

    private static string SecretOrThrow(HomeserverOptions options) => options.Registration.SharedSecret is { Length: > 0 } secret
        ? secret
        : throw new MatrixException(400, ErrorCodes.Unknown, "Shared secret registration is not enabled");

    /// <summary>username and password: required strings of at most 512 characters without NUL (it separates the HMAC fields).</summary>
    private static string Field(JsonObject body, string name)
    {
        var value = JsonFields.String(body, name) ?? throw MatrixException.BadJson($"{name} must be specified");
        if (value.Length > 512 || value.Contains('\0')) throw new MatrixException(400, ErrorCodes.Unknown, $"Invalid {name}");
        return value;
    }
}
