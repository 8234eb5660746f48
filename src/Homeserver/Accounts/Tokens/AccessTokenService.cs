using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>
/// Issues and checks access tokens. Tokens are random; only their SHA-256 is stored. Valid tokens are
/// cached so that an authenticated request costs no database round trip: a cached validation is checked
/// again 45 to 75 s later, for the tokens in use by <see cref="RevalidateAsync"/> in the background (one
/// query for all that are due soon), else by the request that finds it due.
/// </summary>
public sealed class AccessTokenService(IDbContextFactory<HomeserverDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>
    /// A cached validation is checked again after 45 to 75 s (every path that deletes tokens also invalidates them; this
    /// is the safety net). Spread, not one minute for all, so that the checks of clients that signed in together do not
    /// fall due together.
    /// </summary>
    public static readonly TimeSpan MinCacheLifetime = TimeSpan.FromSeconds(45);

    public static readonly TimeSpan MaxCacheLifetime = TimeSpan.FromSeconds(75);

    /// <summary>
    /// <see cref="RevalidateAsync"/> checks the validations due within this time, so that one run every
    /// <see cref="AccessTokenRevalidator.Interval"/> keeps them from falling due in a request.
    /// </summary>
    public static readonly TimeSpan RevalidateAhead = TimeSpan.FromSeconds(20);

    /// <summary>Cached tokens at most: past it, the validations due again are dropped (all of them if that is not enough).</summary>
    private const int MaxCached = 100_000;

    /// <summary>Tokens per revalidation query.</summary>
    private const int RevalidateBatch = 500;

    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);

    private sealed class CachedToken(Requester requester, long? expiresTs, byte[] hash, long revalidateAt, long now)
    {
        public Requester Requester { get; } = requester;
        public long? ExpiresTs { get; } = expiresTs;
        public byte[] Hash { get; } = hash;
        public long RevalidateAt = revalidateAt;

        /// <summary>The last request that used it: tokens nobody uses are not checked in the background.</summary>
        public long LastUsed = now;
    }

    /// <summary>A new opaque token: a prefix, then 32 random bytes in URL-safe base64.</summary>
    public static string NewToken(string prefix = "mat_") => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    /// <summary>Adds a new access token for the device to <paramref name="db"/> (saved) and returns the token itself (shown once).</summary>
    public async Task<(string Token, AccessToken Row)> CreateAsync(HomeserverDbContext db, string userId, string deviceId, long? expiresTs = null,
        long? refreshTokenId = null, long? replacesRefreshTokenId = null, CancellationToken cancellationToken = default)
    {
        var created = Add(db, userId, deviceId, expiresTs, refreshTokenId, replacesRefreshTokenId);
        await db.SaveChangesAsync(cancellationToken);
        return created;
    }

    /// <summary>A new access token's row, added to <paramref name="db"/> for the caller's next SaveChanges.</summary>
    public (string Token, AccessToken Row) Add(HomeserverDbContext db, string userId, string deviceId, long? expiresTs = null,
        long? refreshTokenId = null, long? replacesRefreshTokenId = null)
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
            ReplacesRefreshTokenId = replacesRefreshTokenId,
        };
        db.AccessTokens.Add(row);
        return (token, row);
    }

    /// <summary>
    /// The caller of <paramref name="token"/>. <paramref name="allowExpired"/> accepts an expired token
    /// (logout must work with one, as in Synapse).
    /// </summary>
    /// <exception cref="MatrixException">401 M_UNKNOWN_TOKEN for an unknown, revoked or expired token.</exception>
    public async Task<Requester> ValidateAsync(string token, CancellationToken cancellationToken, bool allowExpired = false)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (_cache.TryGetValue(token, out var cached) && now < Volatile.Read(ref cached.RevalidateAt))
        {
            Volatile.Write(ref cached.LastUsed, now);
            if (!allowExpired && cached.ExpiresTs is { } exp && exp <= now) throw Expired();
            return cached.Requester;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var hash = Hash(token);
        var row = await FindTokenAsync(db, hash, cancellationToken);
        if (row is null || row.Deactivated)
        {
            _cache.TryRemove(token, out _);
            throw new MatrixException(401, ErrorCodes.UnknownToken, "Unrecognised access token", new JsonObject { ["soft_logout"] = false });
        }

        var expired = row.ExpiresTs is { } expires && expires <= now;
        if (row.ReplacesRefreshTokenId is { } replaced && !expired)
        {
            await ConfirmRefreshAsync(db, row.Id, replaced, cancellationToken);
        }

        var requester = new Requester(row.UserId, row.DeviceId, row.Id, row.IsGuest) { Locked = row.Locked, Suspended = row.Suspended };
        Remember(token, new CachedToken(requester, row.ExpiresTs, hash, now + Lifetime(), now), now);
        if (expired && !allowExpired) throw Expired();
        return requester;
    }

    private sealed record TokenRow(long Id, string UserId, string DeviceId, long? ExpiresTs, long? ReplacesRefreshTokenId, bool IsGuest, bool Deactivated,
        bool Locked, bool Suspended);

    // Compiled once: every client asks again every minute or so (the cache's lifetime), a thousand clients many times a second.
    private static readonly Func<HomeserverDbContext, byte[], CancellationToken, Task<TokenRow?>> FindTokenAsync =
        EF.CompileAsyncQuery((HomeserverDbContext db, byte[] hash, CancellationToken _) => db.AccessTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Join(db.Users, t => t.UserId, u => u.UserId, (t, u) => new TokenRow(t.Id, t.UserId, t.DeviceId, t.ExpiresTs, t.ReplacesRefreshTokenId, u.IsGuest, u.Deactivated,
                u.Locked, u.Suspended))
            .FirstOrDefault());

    private void Remember(string token, CachedToken entry, long now)
    {
        if (_cache.Count >= MaxCached)
        {
            foreach (var (key, cached) in _cache)
            {
                if (cached.RevalidateAt <= now) _cache.TryRemove(key, out _);
            }

            if (_cache.Count >= MaxCached) _cache.Clear();
        }

        _cache[token] = entry;
    }

    private static long Lifetime() => Random.Shared.NextInt64((long)MinCacheLifetime.TotalMilliseconds, (long)MaxCacheLifetime.TotalMilliseconds + 1);

    /// <summary>
    /// Checks again, in one query per <see cref="RevalidateBatch"/>, the cached validations that fall due within
    /// <see cref="RevalidateAhead"/> and whose token was used within the longest lifetime: those still valid are kept
    /// for another lifetime, the rest forgotten. A due validation of a token nobody used is forgotten (its next use asks
    /// the database). Without it, a thousand long-polling clients each asked the database as their validation fell due,
    /// a hundred of them in each wake-up that answered them all. A database context is opened only when one is due: a
    /// quiet server's ticks otherwise ran EF Core's context set-up every ten seconds, mapping its code back in.
    /// </summary>
    /// <returns>How many validations were kept.</returns>
    public async Task<int> RevalidateAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var horizon = now + (long)RevalidateAhead.TotalMilliseconds;
        var idleSince = now - (long)MaxCacheLifetime.TotalMilliseconds;
        var due = new List<KeyValuePair<string, CachedToken>>();
        foreach (var pair in _cache)
        {
            if (Volatile.Read(ref pair.Value.RevalidateAt) > horizon) continue;
            if (Volatile.Read(ref pair.Value.LastUsed) >= idleSince) due.Add(pair);
            else if (pair.Value.RevalidateAt <= now) _cache.TryRemove(pair);
        }

        if (due.Count == 0) return 0;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var kept = 0;
        foreach (var batch in due.Chunk(RevalidateBatch))
        {
            var ids = batch.Select(p => p.Value.Requester.AccessTokenId).ToList();
            var rows = await db.AccessTokens.AsNoTracking().Where(t => ids.Contains(t.Id))
                .Join(db.Users, t => t.UserId, u => u.UserId, (t, u) => new { t.Id, t.TokenHash, u.Deactivated, u.Locked, u.Suspended })
                .ToDictionaryAsync(r => r.Id, cancellationToken);
            foreach (var (token, entry) in batch)
            {
                // The ID alone could name a newer token where SQLite reuses a deleted row's ID.
                if (rows.TryGetValue(entry.Requester.AccessTokenId, out var row) && !row.Deactivated && row.TokenHash.AsSpan().SequenceEqual(entry.Hash)
                    && row.Locked == entry.Requester.Locked && row.Suspended == entry.Requester.Suspended)
                {
                    // An entry forgotten meanwhile (a logout) stays forgotten: only the object is updated, not the cache.
                    Volatile.Write(ref entry.RevalidateAt, now + Lifetime());
                    kept++;
                }
                else
                {
                    _cache.TryRemove(new KeyValuePair<string, CachedToken>(token, entry));
                }
            }
        }

        return kept;
    }

    /// <summary>Forgets cached validations; call after deleting tokens so they stop working at once.</summary>
    public void InvalidateCache(Func<Requester, bool> match)
    {
        foreach (var (token, entry) in _cache)
        {
            if (match(entry.Requester)) _cache.TryRemove(token, out _);
        }
    }

    /// <summary>
    /// The first use of a token issued by /refresh proves the client holds the new pair: the refresh
    /// token it was exchanged for stops working (spec, "Refreshing access tokens").
    /// </summary>
    private static async Task ConfirmRefreshAsync(HomeserverDbContext db, long accessTokenId, long replacedRefreshTokenId, CancellationToken cancellationToken)
    {
        await db.RefreshTokens.Where(r => r.Id == replacedRefreshTokenId).ExecuteDeleteAsync(cancellationToken);
        await db.AccessTokens.Where(t => t.Id == accessTokenId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ReplacesRefreshTokenId, (long?)null), cancellationToken);
    }

    // An expired token of a refresh-token session is a soft logout: the client refreshes and carries on.
    private static MatrixException Expired() =>
        new(401, ErrorCodes.UnknownToken, "Access token has expired", new JsonObject { ["soft_logout"] = true });
}
