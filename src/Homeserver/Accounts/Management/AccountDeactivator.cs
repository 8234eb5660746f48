using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Accounts.ThreePids;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Management;

/// <summary>
/// Closes an account for good: the one path shared by POST /account/deactivate and the admin API.
/// Password, profile, account data, filters, login tokens and every device go; then
/// <see cref="UserDeactivated"/> makes the user leave their rooms, and the 3PIDs bound at identity servers through
/// this server are unbound there.
/// </summary>
public sealed class AccountDeactivator(
    HomeserverDbContext db, DeviceService devices, AccessTokenService tokens, FilterService filters, ErasedUsers erased, IPublisher publisher,
    IdentityServerBindings bindings)
{
    /// <summary>Returns the spec's id_server_unbind_result ("success" or "no-support").</summary>
    /// <param name="idServer">The identity server to unbind from (the client's id_server); null: each one a 3PID was bound through.</param>
    public async Task<string> DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken, string? idServer = null)
    {
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Marked first: from here on no token of the user validates, whatever happens below.
            await db.Users.Where(u => u.UserId == userId).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Deactivated, true)
                .SetProperty(u => u.Erased, u => u.Erased || erase)
                .SetProperty(u => u.PasswordHash, (string?)null)
                .SetProperty(u => u.DisplayName, (string?)null)
                .SetProperty(u => u.AvatarUrl, (string?)null), cancellationToken);
            await db.ProfileFields.Where(f => f.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.AccountData.Where(a => a.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserFilters.Where(f => f.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.LoginTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (erase) erased.Add(userId);
        tokens.InvalidateCache(r => r.UserId == userId);
        filters.ForgetAll();
        await devices.DeleteAllAsync(userId, keepDeviceId: null, cancellationToken);
        await publisher.Publish(new UserDeactivated(userId, erase), cancellationToken);
        // The account is gone already: nothing an identity server answers may undo that.
        return await bindings.UnbindAllAsync(userId, idServer, CancellationToken.None);
    }
}
