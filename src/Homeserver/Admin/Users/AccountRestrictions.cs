using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>The two reversible account restrictions a server admin applies (spec: Account moderation).</summary>
public enum AccountRestriction
{
    /// <summary>Every authenticated request but logout answers 401 M_USER_LOCKED (with soft_logout), logins too.</summary>
    Lock,

    /// <summary>
    /// The account stays readable (sync, messages, keys, backup, devices, leaving, logging in), but joining, knocking,
    /// inviting, creating or upgrading rooms, sending (except redacting its own events, and leaving) and changing the
    /// profile answer 403 M_USER_SUSPENDED: the spec's recommended list.
    /// </summary>
    Suspend,
}

/// <summary>
/// Sets the restrictions (enforced through <see cref="RestrictedAccess"/>). A request sees them
/// through its <see cref="Requester"/> (read with the access token), so a change forgets the user's cached tokens
/// and applies from the next request.
/// </summary>
public sealed class AccountRestrictions(HomeserverDbContext db, AccessTokenService tokens)
{
    /// <summary>Applies or lifts the restriction; false when the account does not exist or is deactivated.</summary>
    public async Task<bool> SetAsync(string userId, AccountRestriction restriction, bool applied, CancellationToken cancellationToken)
    {
        var users = db.Users.Where(u => u.UserId == userId && !u.Deactivated);
        var changed = restriction == AccountRestriction.Lock
            ? await users.ExecuteUpdateAsync(s => s.SetProperty(u => u.Locked, applied), cancellationToken)
            : await users.ExecuteUpdateAsync(s => s.SetProperty(u => u.Suspended, applied), cancellationToken);
        tokens.InvalidateCache(r => r.UserId == userId);
        return changed > 0;
    }
}
