using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Login;

/// <summary>
/// Single-use, short-lived m.login.token tokens (POST /login/get_token). Stored hashed; using one
/// deletes it, and only the request whose DELETE removed the row gets to log in.
/// </summary>
public sealed class LoginTokenService(AuthOptions options, AccountExpiries expiries, TimeProvider clock)
{
    public async Task<(string Token, long ExpiresInMs)> CreateAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        var token = AccessTokenService.NewToken("mlt_");
        var expiresTs = clock.GetUtcNow().ToUnixTimeMilliseconds() + options.LoginTokenLifetimeMs;
        db.LoginTokens.Add(new LoginToken
        {
            TokenHash = AccessTokenService.Hash(token),
            UserId = userId,
            ExpiresTs = expiresTs,
        });
        await db.SaveChangesAsync(cancellationToken);
        expiries.Note(expiresTs);
        return (token, options.LoginTokenLifetimeMs);
    }

    /// <summary>The user the token logs in, or null when it is unknown, used or expired.</summary>
    public async Task<string?> ConsumeAsync(HomeserverDbContext db, string token, CancellationToken cancellationToken)
    {
        var hash = AccessTokenService.Hash(token);
        var row = await db.LoginTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (row is null) return null;
        var removed = await db.LoginTokens.Where(t => t.TokenHash == hash).ExecuteDeleteAsync(cancellationToken);
        return removed == 1 && row.ExpiresTs > clock.GetUtcNow().ToUnixTimeMilliseconds() ? row.UserId : null;
    }

    /// <summary>Removes expired tokens (periodic clean-up).</summary>
    public Task<int> DeleteExpiredAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return db.LoginTokens.Where(t => t.ExpiresTs <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
