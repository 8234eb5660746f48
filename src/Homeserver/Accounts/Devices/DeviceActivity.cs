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

    /// <summary>Whether any activity waits to be written.</summary>
    public bool HasPending => !_pending.IsEmpty;

    /// <summary>
    /// Writes what has been recorded since the last flush; returns how many devices were written. One statement on
    /// PostgreSQL (a thousand clients syncing means a thousand devices every flush: one query each cost the server
    /// more CPU than the syncs it ran beside), one transaction of prepared updates on SQLite.
    /// </summary>
    public async Task<int> FlushAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var batch = _pending.ToArray();
        if (batch.Length == 0) return 0;
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync(
                "UPDATE devices AS d SET last_seen_ts = v.ts, last_seen_ip = v.ip FROM unnest(@users, @devices, @ts, @ips) AS v(user_id, device_id, ts, ip) "
                + "WHERE d.user_id = v.user_id AND d.device_id = v.device_id",
                [
                    new Npgsql.NpgsqlParameter("users", batch.Select(e => e.Key.UserId).ToArray()),
                    new Npgsql.NpgsqlParameter("devices", batch.Select(e => e.Key.DeviceId).ToArray()),
                    new Npgsql.NpgsqlParameter("ts", batch.Select(e => e.Value.Ts).ToArray()),
                    new Npgsql.NpgsqlParameter("ips", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = batch.Select(e => e.Value.Ip).ToArray() },
                ],
                cancellationToken);
        }
        else
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var ((userId, deviceId), (ts, ip)) in batch)
            {
                await db.Database.ExecuteSqlAsync(
                    $"UPDATE devices SET last_seen_ts = {ts}, last_seen_ip = {ip} WHERE user_id = {userId} AND device_id = {deviceId}", cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        // Only forget an entry if no newer request replaced it meanwhile.
        foreach (var entry in batch) _pending.TryRemove(entry);
        return batch.Length;
    }
}
