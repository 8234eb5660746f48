using System.Security.Cryptography;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>What a login or registration hands the client.</summary>
public sealed record IssuedSession(string UserId, string DeviceId, string AccessToken, string? RefreshToken, long? ExpiresInMs);

/// <summary>
/// Opens a login session: the device (new, or reused when the client names one it had) and its
/// access token, plus a refresh token and an expiring access token when the client supports them.
/// </summary>
public sealed class SessionIssuer(AccessTokenService tokens, AuthOptions auth, TimeProvider clock, IPublisher publisher)
{
    /// <summary>Longest device ID a client may choose (Synapse's bound).</summary>
    public const int MaxDeviceIdLength = 512;

    /// <summary>Longest device display name kept (Synapse's bound); longer initial names are cut.</summary>
    public const int MaxDeviceDisplayNameLength = 100;

    /// <summary>
    /// Creates or reuses the device and issues its tokens. A reused device's earlier tokens are revoked,
    /// so a client that logs in again with its device ID ends up with exactly one session on it. A new device is
    /// announced (<see cref="DeviceChanged"/>) once committed; inside a caller's transaction (a registration) it is
    /// not: a new account shares no room, so nobody tracks its devices yet.
    /// </summary>
    public async Task<IssuedSession> IssueAsync(HomeserverDbContext db, string userId, string? deviceId, string? initialDisplayName,
        bool withRefreshToken, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var ownTransaction = db.Database.CurrentTransaction is null;
        var reused = deviceId is not null && await db.Devices.AnyAsync(d => d.UserId == userId && d.DeviceId == deviceId, cancellationToken);
        if (!reused)
        {
            deviceId ??= await NewDeviceIdAsync(db, userId, cancellationToken);
            db.Devices.Add(new Device { UserId = userId, DeviceId = deviceId, DisplayName = Truncate(initialDisplayName), CreatedTs = now });
        }

        IssuedSession issued;
        if (!reused && !withRefreshToken)
        {
            // The common login: the new device and its token in one SaveChanges, all or nothing without a transaction of ours.
            var (token, _) = tokens.Add(db, userId, deviceId!);
            await db.SaveChangesAsync(cancellationToken);
            issued = new IssuedSession(userId, deviceId!, token, null, null);
        }
        else
        {
            await using var transaction = ownTransaction ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            if (reused) await DeviceTokens.RevokeAsync(db, userId, [deviceId!], cancellationToken);
            (issued, _) = await IssueTokensAsync(db, userId, deviceId!, withRefreshToken, replacesRefreshTokenId: null, cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        }

        if (reused) tokens.InvalidateCache(r => r.UserId == userId && r.DeviceId == deviceId);
        else if (ownTransaction) await publisher.Publish(new DeviceChanged(userId, deviceId!), cancellationToken);
        return issued;
    }

    /// <summary>An access token (expiring, with a refresh token, when asked) for an existing device, and the refresh token's row ID.</summary>
    internal async Task<(IssuedSession Session, long? RefreshTokenId)> IssueTokensAsync(HomeserverDbContext db, string userId, string deviceId, bool withRefreshToken,
        long? replacesRefreshTokenId, CancellationToken cancellationToken)
    {
        if (!withRefreshToken)
        {
            var (plain, _) = await tokens.CreateAsync(db, userId, deviceId, cancellationToken: cancellationToken);
            return (new IssuedSession(userId, deviceId, plain, null, null), null);
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var refreshToken = AccessTokenService.NewToken("mar_");
        var refreshRow = new RefreshToken { TokenHash = AccessTokenService.Hash(refreshToken), UserId = userId, DeviceId = deviceId, CreatedTs = now };
        db.RefreshTokens.Add(refreshRow);
        await db.SaveChangesAsync(cancellationToken);
        var lifetime = auth.RefreshableAccessTokenLifetimeMs;
        var (access, _) = await tokens.CreateAsync(db, userId, deviceId, now + lifetime, refreshRow.Id, replacesRefreshTokenId, cancellationToken);
        return (new IssuedSession(userId, deviceId, access, refreshToken, lifetime), refreshRow.Id);
    }

    private static string? Truncate(string? name) => name is { Length: > MaxDeviceDisplayNameLength } ? name[..MaxDeviceDisplayNameLength] : name;

    /// <summary>Ten capital letters, as Synapse makes them; retried on the rare clash with an existing device.</summary>
    private static async Task<string> NewDeviceIdAsync(HomeserverDbContext db, string userId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10);
            if (!await db.Devices.AnyAsync(d => d.UserId == userId && d.DeviceId == id, cancellationToken)) return id;
        }
    }
}
