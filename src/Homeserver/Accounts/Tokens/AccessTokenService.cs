using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Buffers.Text;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>
/// Issues and checks access tokens. Tokens are random; only their SHA-256 is stored. Valid tokens are
/// cached briefly so that an authenticated request costs no database round trip.
/// </summary>
public sealed class AccessTokenService(IDbContextFactory<HomeserverDbContext> dbFactory, TimeProvider clock)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (Requester Requester, long? ExpiresTs, long CachedAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>A new opaque token: a prefix, then 32 random bytes in URL-safe base64.</summary>
    public static string NewToken(string prefix = "mat_") => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    /// <summary>Stores a new access token for the device and returns the token itself (shown once).</summary>
    public async Task<(string Token, AccessToken Row)> CreateAsync(HomeserverDbContext db, string userId, string deviceId, long? expiresTs = null, long? refreshTokenId = null, CancellationToken cancellationToken = default)
    {
        var token = NewToken();
        var row = new AccessToken
        {
            TokenHash = Hash(token),
            UserId = userId,
            DeviceId = deviceId,
            CreatedTs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ExpiresTs = expiresTs,
            RefreshTokenId = refreshTokenId,
        };
        db.AccessTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (token, row);
    }

    /// <exception cref="MatrixException">401 M_UNKNOWN_TOKEN for an unknown, revoked or expired token.</exception>
    public async Task<Requester> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_cache.TryGetValue(token, out var cached) && now - cached.CachedAt < CacheLifetime.TotalMilliseconds)
        {
            if (cached.ExpiresTs is { } exp && exp <= now) throw Expired();
            return cached.Requester;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var hash = Hash(token);
        var row = await db.AccessTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Join(db.Users, t => t.UserId, u => u.UserId, (t, u) => new { t.Id, t.UserId, t.DeviceId, t.ExpiresTs, u.IsGuest, u.Deactivated })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null || row.Deactivated)
        {
            _cache.TryRemove(token, out _);
            throw new MatrixException(401, ErrorCodes.UnknownToken, "Unrecognised access token", new JsonObject { ["soft_logout"] = false });
        }

        var requester = new Requester(row.UserId, row.DeviceId, row.Id, row.IsGuest);
        _cache[token] = (requester, row.ExpiresTs, now);
        if (row.ExpiresTs is { } expires && expires <= now) throw Expired();
        return requester;
    }

    /// <summary>Forgets cached validations; call after deleting tokens so they stop working at once.</summary>
    public void InvalidateCache(Func<Requester, bool> match)
    {
        foreach (var (token, entry) in _cache)
        {
            if (match(entry.Requester)) _cache.TryRemove(token, out _);
        }
    }

    // An expired token of a refresh-token session is a soft logout: the client refreshes and carries on.
    private static MatrixException Expired() =>
        new(401, ErrorCodes.UnknownToken, "Access token has expired", new JsonObject { ["soft_logout"] = true });
}
