using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Devices;

/// <summary>A device as clients see it (spec: Device management).</summary>
public sealed record DeviceInfo(string DeviceId, string? DisplayName, string? LastSeenIp, long? LastSeenTs);

/// <summary>
/// Reads, renames and deletes a user's devices. Deleting a device deletes its tokens, stops them
/// working at once (token cache), and publishes <see cref="DeviceDeleted"/>.
/// </summary>
public sealed class DeviceService(HomeserverDbContext db, AccessTokenService tokens, DeviceActivity activity, IPublisher publisher)
{
    public async Task<List<DeviceInfo>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.DeviceId).ToListAsync(cancellationToken);
        return devices.ConvertAll(Info);
    }

    public async Task<DeviceInfo?> GetAsync(string userId, string deviceId, CancellationToken cancellationToken)
    {
        var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId && d.DeviceId == deviceId, cancellationToken);
        return device is null ? null : Info(device);
    }

    /// <summary>Renames the device; false when the user has no such device.</summary>
    public async Task<bool> RenameAsync(string userId, string deviceId, string displayName, CancellationToken cancellationToken)
    {
        var renamed = await db.Devices.Where(d => d.UserId == userId && d.DeviceId == deviceId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.DisplayName, displayName), cancellationToken) == 1;
        if (renamed) await publisher.Publish(new DeviceChanged(userId, deviceId), cancellationToken);
        return renamed;
    }

    /// <summary>Deletes the named devices the user has (unknown IDs are ignored, as the spec allows).</summary>
    public async Task DeleteAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        var existing = await db.Devices.Where(d => d.UserId == userId && deviceIds.Contains(d.DeviceId)).Select(d => d.DeviceId).ToListAsync(cancellationToken);
        await RemoveAsync(userId, existing, cancellationToken);
    }

    /// <summary>Deletes every device of the user but <paramref name="keepDeviceId"/> (all of them when null).</summary>
    public async Task DeleteAllAsync(string userId, string? keepDeviceId, CancellationToken cancellationToken)
    {
        var existing = await db.Devices.Where(d => d.UserId == userId && d.DeviceId != keepDeviceId).Select(d => d.DeviceId).ToListAsync(cancellationToken);
        await RemoveAsync(userId, existing, cancellationToken);
    }

    private async Task RemoveAsync(string userId, List<string> deviceIds, CancellationToken cancellationToken)
    {
        if (deviceIds.Count == 0) return;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await DeviceTokens.RevokeAsync(db, userId, deviceIds, cancellationToken);
            await db.Devices.Where(d => d.UserId == userId && deviceIds.Contains(d.DeviceId)).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        tokens.InvalidateCache(r => r.UserId == userId && deviceIds.Contains(r.DeviceId));
        foreach (var deviceId in deviceIds) await publisher.Publish(new DeviceDeleted(userId, deviceId), cancellationToken);
    }

    private DeviceInfo Info(Device d) => activity.Pending(d.UserId, d.DeviceId) is { } seen
        ? new DeviceInfo(d.DeviceId, d.DisplayName, seen.Ip, seen.Ts)
        : new DeviceInfo(d.DeviceId, d.DisplayName, d.LastSeenIp, d.LastSeenTs);
}
