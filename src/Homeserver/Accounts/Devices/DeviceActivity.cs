using System.Collections.Concurrent;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Devices;

/// <summary>
/// Last-seen time and address of each device, recorded on every authenticated request in memory only
/// (one dictionary write) and written to the devices table in batches by <see cref="DeviceActivityFlusher"/>.
/// Reads merge the unwritten values, so GET /devices is current.
/// </summary>
public sealed class DeviceActivity(TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string UserId, string DeviceId), (long Ts, string? Ip)> _pending = new();

    public void Record(Requester requester, string? ip) =>
        _pending[(requester.UserId, requester.DeviceId)] = (clock.GetUtcNow().ToUnixTimeMilliseconds(), ip);

    /// <summary>The unwritten activity of a device, if any.</summary>
    public (long Ts, string? Ip)? Pending(string userId, string deviceId) =>
        _pending.TryGetValue((userId, deviceId), out var seen) ? seen : null;

    /// <summary>Writes what has been recorded since the last flush; returns how many devices were updated.</summary>
    public async Task<int> FlushAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var (key, seen) in _pending)
        {
            await db.Devices.Where(d => d.UserId == key.UserId && d.DeviceId == key.DeviceId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LastSeenTs, seen.Ts).SetProperty(d => d.LastSeenIp, seen.Ip), cancellationToken);
            // Only forget the entry if no newer request replaced it meanwhile.
            _pending.TryRemove(new KeyValuePair<(string, string), (long, string?)>(key, seen));
            written++;
        }

        return written;
    }
}
