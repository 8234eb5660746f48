using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.OpenId;

/// <summary>
/// OpenID tokens (spec: Client-Server "OpenID", Server-Server "OpenID"): short-lived, random, stored hashed, good
/// for nothing but telling a third party which user asked for them. As Synapse: valid for an hour.
/// </summary>
public sealed class OpenIdTokens(IDbContextFactory<HomeserverDbContext> dbs, HomeserverOptions options, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>A new token for the user, as the client gets it.</summary>
    public async Task<(string Token, long ExpiresInSeconds)> CreateAsync(string userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var token = AccessTokenService.NewToken("oid_");
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await db.Set<OpenIdToken>().Where(t => t.ExpiresTs <= now).ExecuteDeleteAsync(cancellationToken);
        db.Add(new OpenIdToken { TokenHash = AccessTokenService.Hash(token), UserId = userId, ExpiresTs = now + (long)Lifetime.TotalMilliseconds });
        await db.SaveChangesAsync(cancellationToken);
        return (token, (long)Lifetime.TotalSeconds);
    }

    /// <summary>The user who asked for the token, or null when it is unknown or expired.</summary>
    public async Task<string?> FindUserAsync(string token, CancellationToken cancellationToken)
    {
        var hash = AccessTokenService.Hash(token);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<OpenIdToken>().AsNoTracking().Where(t => t.TokenHash == hash && t.ExpiresTs > now)
            .Select(t => t.UserId).FirstOrDefaultAsync(cancellationToken);
    }

    public string ServerName => options.ServerName;
}
