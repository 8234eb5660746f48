using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>
/// POST /refresh: exchanges a refresh token for a new access and refresh token. The old refresh token
/// keeps working until the new pair is used (the client may not have received it); a repeated exchange
/// replaces the unconfirmed pair. The old access token is revoked at once.
/// </summary>
public sealed class RefreshTokenService(SessionIssuer issuer, AccessTokenService tokens)
{
    public async Task<IssuedSession> RefreshAsync(HomeserverDbContext db, string refreshToken, CancellationToken cancellationToken)
    {
        var hash = AccessTokenService.Hash(refreshToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var current = await db.RefreshTokens.FirstOrDefaultAsync(r => r.TokenHash == hash, cancellationToken);
        var user = current is null ? null
            : await db.Users.Where(u => u.UserId == current.UserId).Select(u => new { u.Deactivated, u.Locked }).FirstOrDefaultAsync(cancellationToken);
        if (current is null || user is null || user.Deactivated)
        {
            throw new MatrixException(401, ErrorCodes.UnknownToken, "Unknown refresh token", new JsonObject { ["soft_logout"] = false });
        }

        if (user.Locked) throw RestrictedAccess.LockedError();

        // Using this token confirms the exchange that produced it: its predecessor stops working.
        await db.RefreshTokens.Where(r => r.NextTokenId == current.Id).ExecuteDeleteAsync(cancellationToken);
        var revoked = await db.AccessTokens
            .Where(t => t.RefreshTokenId == current.Id || (current.NextTokenId != null && t.RefreshTokenId == current.NextTokenId))
            .Select(t => t.Id).ToListAsync(cancellationToken);
        await db.AccessTokens.Where(t => revoked.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
        if (current.NextTokenId is { } unconfirmed)
        {
            await db.RefreshTokens.Where(r => r.Id == unconfirmed).ExecuteDeleteAsync(cancellationToken);
        }

        var (issued, next) = await issuer.IssueTokensAsync(db, current.UserId, current.DeviceId, withRefreshToken: true, replacesRefreshTokenId: current.Id, cancellationToken);
        current.NextTokenId = next;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        tokens.InvalidateCache(r => revoked.Contains(r.AccessTokenId));
        return issued;
    }
}
