using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Tokens;

/// <summary>Removing the tokens of devices, in the caller's transaction.</summary>
public static class DeviceTokens
{
    /// <summary>Deletes the access and refresh tokens of the given devices (callers then invalidate the token cache).</summary>
    public static async Task RevokeAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        await db.AccessTokens.Where(t => t.UserId == userId && deviceIds.Contains(t.DeviceId)).ExecuteDeleteAsync(cancellationToken);
        await db.RefreshTokens.Where(t => t.UserId == userId && deviceIds.Contains(t.DeviceId)).ExecuteDeleteAsync(cancellationToken);
    }
}
