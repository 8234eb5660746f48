using System.Collections.Immutable;
using System.Globalization;
using Matrix.Homeserver.Http;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>What a connection was last sent of a room: events up to a position, under a membership, a room config and its timeline limit.</summary>
internal sealed record SentRoom(long Position, string Membership, string ConfigKey, int TimelineLimit);

/// <summary>
/// A connection's state at one pos: the sync window's end and what each room was sent, so the next
/// answer carries only changes. Immutable: successive positions share structure.
/// </summary>
internal sealed record ConnectionSnapshot(SyncToken Token, ImmutableDictionary<string, SentRoom> Rooms, ImmutableDictionary<string, int> ListCounts)
{
    public static ConnectionSnapshot Empty(SyncToken token) =>
        new(token, ImmutableDictionary.Create<string, SentRoom>(StringComparer.Ordinal), ImmutableDictionary.Create<string, int>(StringComparer.Ordinal));
}

/// <summary>
/// Sliding sync connections per (user, device, conn_id), in memory. Synapse keeps them in its
/// database so they survive restarts and workers; this server is one process, and a client whose
/// pos is lost gets 400 M_UNKNOWN_POS and starts over (matrix-rust-sdk does so by itself), so memory
/// is enough and costs no writes per sync. Bounded: devices in a size-limited cache with a sliding
/// expiry, a few connections per device (least recently used dropped), a few positions per
/// connection: a request with a pos acknowledges it, so the others are dropped.
/// </summary>
internal sealed class SlidingConnections : IDisposable
{
    private const int MaxDevices = 10_000;
    private const int MaxConnectionsPerDevice = 16;

    /// <summary>Positions kept per connection: the acknowledged one and answers in flight (retries).</summary>
    private const int MaxPositionsPerConnection = 4;
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(24);

    private readonly MemoryCache _devices = new(new MemoryCacheOptions { SizeLimit = MaxDevices });
    private long _lastPos;

    /// <summary>Positions start at the boot time in milliseconds, so a pos from an earlier run never names one of this run.</summary>
    public SlidingConnections(TimeProvider clock) => _lastPos = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    /// <summary>
    /// The connection's state at <paramref name="pos"/>; null without a pos (a new connection, which
    /// replaces any of the same conn_id). An unknown or expired pos is 400 M_UNKNOWN_POS.
    /// </summary>
    public ConnectionSnapshot? Resume(string userId, string deviceId, string connId, string? pos)
    {
        var device = Device(userId, deviceId);
        lock (device.Gate)
        {
            if (pos is null)
            {
                device.Connections.Remove(connId);
                return null;
            }

            if (!long.TryParse(pos, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !device.Connections.TryGetValue(connId, out var connection)
                || !connection.Positions.TryGetValue(id, out var snapshot))
            {
                throw new MatrixException(400, ErrorCodes.UnknownPos, "Unknown or expired pos: start a new sliding sync connection");
            }

            connection.LastUsed = Environment.TickCount64;
            foreach (var other in connection.Positions.Keys.Where(k => k != id).ToList()) connection.Positions.Remove(other);
            return snapshot;
        }
    }

    /// <summary>Records the state an answer leaves the connection in; returns its pos.</summary>
    public string Store(string userId, string deviceId, string connId, ConnectionSnapshot snapshot)
    {
        var id = Interlocked.Increment(ref _lastPos);
        var device = Device(userId, deviceId);
        lock (device.Gate)
        {
            var connections = device.Connections;
            if (!connections.TryGetValue(connId, out var connection))
            {
                if (connections.Count >= MaxConnectionsPerDevice) connections.Remove(connections.MinBy(c => c.Value.LastUsed).Key);
                connections[connId] = connection = new Connection();
            }

            connection.LastUsed = Environment.TickCount64;
            if (connection.Positions.Count >= MaxPositionsPerConnection) connection.Positions.Remove(connection.Positions.Keys.Min());
            connection.Positions[id] = snapshot;
        }

        return id.ToString(CultureInfo.InvariantCulture);
    }

    private DeviceConnections Device(string userId, string deviceId) =>
        _devices.GetOrCreate((userId, deviceId), entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = Expiry;
            return new DeviceConnections();
        })!;

    public void Dispose() => _devices.Dispose();

    private sealed class DeviceConnections
    {
        public Lock Gate { get; } = new();
        public Dictionary<string, Connection> Connections { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Connection
    {
        public Dictionary<long, ConnectionSnapshot> Positions { get; } = [];
        public long LastUsed { get; set; }
    }
}
