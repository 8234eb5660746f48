using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Passwords;

/// <summary>
/// Checks an identifier and password (login, and the m.login.password auth stage). Failed attempts
/// are counted per account, so guessing one user's password is slow whichever address it comes from.
/// </summary>
public sealed class PasswordAuthenticator(HomeserverDbContext db, PasswordHasher hasher, RateLimits limits, HomeserverOptions options)
{
    /// <summary>The user the dict's identifier names, when its password field is that user's password.</summary>
    /// <exception cref="MatrixException">
    /// 403 M_FORBIDDEN for an unknown user or a wrong password (the same answer, so accounts cannot be
    /// probed), 403 M_USER_DEACTIVATED, 429 after too many failures, 400 for a malformed dict.
    /// </exception>
    public async Task<User> AuthenticateAsync(JsonObject dict, CancellationToken cancellationToken)
    {
        var password = JsonFields.String(dict, "password") ?? throw MatrixException.MissingParam("password is required");
        var userId = UserIdentifiers.Resolve(dict, options.ServerName);
        var throttleKey = "account:" + userId.ToLowerInvariant();
        limits.Check(RateLimitPolicy.Login, throttleKey);

        var user = UserIds.IsLocal(userId, options.ServerName) ? await FindAsync(userId, cancellationToken) : null;
        if (user is { Deactivated: true }) throw new MatrixException(403, ErrorCodes.UserDeactivated, "This account has been deactivated");
        if (!await hasher.VerifyAsync(password, user?.PasswordHash) || user is null)
        {
            limits.Consume(RateLimitPolicy.Login, throttleKey);
            throw MatrixException.Forbidden("Invalid username or password");
        }

        return user;
    }

    /// <summary>
    /// The user by exact ID, else by its lowercase form: Synapse once allowed capitals, and users type
    /// their ID in any case.
    /// </summary>
    private async Task<User?> FindAsync(string userId, CancellationToken cancellationToken)
    {
        var lower = userId.ToLowerInvariant();
        var candidates = await db.Users.AsNoTracking().Where(u => u.UserId == userId || u.UserId == lower).ToListAsync(cancellationToken);
        return candidates.FirstOrDefault(u => u.UserId == userId) ?? candidates.FirstOrDefault();
    }
}
