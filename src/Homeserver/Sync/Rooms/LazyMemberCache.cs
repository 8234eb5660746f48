using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>
/// The member events each device was already sent under lazy loading, so later syncs can leave out
/// redundant ones (spec: "Lazy-loading room members"). Memory only and bounded: when a device's
/// record is evicted the client just gets some members again, which the spec allows.
/// </summary>
internal sealed class LazyMemberCache : IDisposable
{
    /// <summary>Room members remembered per device before its record starts over.</summary>
    private const int MaxMembersPerDevice = 50_000;

    private readonly MemoryCache _devices = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>Forgets what the device was sent (an initial or full-state sync starts it over).</summary>
    public void Reset(string userId, string deviceId) => _devices.Remove((userId, deviceId));

    /// <summary>Forgets one room (the user joined it again: what they had of it is stale).</summary>
    public void ForgetRoom(string userId, string deviceId, string roomId)
    {
        if (_devices.TryGetValue((userId, deviceId), out Sent? sent)) sent!.ForgetRoom(roomId);
    }

    public bool WasSent(string userId, string deviceId, string roomId, string member, string eventId) =>
        _devices.TryGetValue((userId, deviceId), out Sent? sent) && sent!.Contains(roomId, member, eventId);

    public void MarkSent(string userId, string deviceId, string roomId, IEnumerable<(string Member, string EventId)> members)
    {
        var sent = _devices.GetOrCreate((userId, deviceId), entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = TimeSpan.FromMinutes(30);
            return new Sent();
        })!;
        sent.Add(roomId, members);
    }

    public void Dispose() => _devices.Dispose();

    private sealed class Sent
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<(string Room, string Member), string> _events = [];

        public bool Contains(string roomId, string member, string eventId)
        {
            lock (_gate) return _events.TryGetValue((roomId, member), out var sent) && sent == eventId;
        }

        public void Add(string roomId, IEnumerable<(string Member, string EventId)> members)
        {
            lock (_gate)
            {
                if (_events.Count > MaxMembersPerDevice) _events.Clear();
                foreach (var (member, eventId) in members) _events[(roomId, member)] = eventId;
            }
        }

        public void ForgetRoom(string roomId)
        {
            lock (_gate)
            {
                foreach (var key in _events.Keys.Where(k => k.Room == roomId).ToList()) _events.Remove(key);
            }
        }
    }
}
