using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Management;

/// <summary>
/// Sets a user's password, optionally logging out their devices: the one path shared by
/// POST /account/password and the admin API (callers check the password policy where it applies).
/// </summary>
public sealed class PasswordSetter(HomeserverDbContext db, PasswordHasher hasher, DeviceService devices)
{
    /// <returns>False when the user does not exist.</returns>
    public async Task<bool> SetAsync(string userId, string newPassword, bool logoutDevices, string? keepDeviceId, CancellationToken cancellationToken)
    {
        var hash = await hasher.HashAsync(newPassword);
        var updated = await db.Users.Where(u => u.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash), cancellationToken);
        if (updated == 0) return false;
        if (logoutDevices) await devices.DeleteAllAsync(userId, keepDeviceId, cancellationToken);
        return true;
    }
}
