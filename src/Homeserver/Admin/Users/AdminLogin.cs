using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>
/// POST /_synapse/admin/v1/users/{userId}/login: an admin acts as a user with a token of a new session.
/// Synapse's token has no device; every token here belongs to a device, so the session gets its own
/// device, named for the admin: the user sees it in their device list and can log it out, and
/// "log out all devices" or a password reset ends it like any other session.
/// </summary>
public sealed class AdminLogin(HomeserverDbContext db, SessionIssuer sessions, AdminAudit audit)
{
    public async Task<string> LoginAsAsync(Requester admin, string userId, long? validUntilMs, CancellationToken cancellationToken)
    {
        if (userId == admin.UserId) throw new MatrixException(400, ErrorCodes.Unknown, "Cannot use admin API to login as self");
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var session = await sessions.IssueAsync(db, userId, deviceId: null, $"Admin login ({admin.UserId})", withRefreshToken: false, cancellationToken);
        if (validUntilMs is { } until)
        {
            var hash = AccessTokenService.Hash(session.AccessToken);
            await db.AccessTokens.Where(t => t.TokenHash == hash).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresTs, until), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        audit.Record(admin, $"logged in as user (device {session.DeviceId})", userId);
        return session.AccessToken;
    }
}
