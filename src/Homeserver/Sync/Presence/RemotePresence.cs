using System.Collections.Concurrent;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>What a remote user's server said of their presence (one m.presence push entry, checked).</summary>
public sealed record RemotePresenceUpdate(string UserId, PresenceState State, string? StatusMsg, long? LastActiveAgo, bool CurrentlyActive);

/// <summary>
/// Remote users' presence as their servers send it, in memory only and bounded (<see cref="MaxUsers"/>: the
/// entry heard from longest ago makes room). A visible change takes an ephemeral serial and wakes the local
/// users sharing a room, as local changes do. A user whose server has said nothing for <see cref="TimeoutMs"/>
/// becomes offline (Synapse's FEDERATION_TIMEOUT: servers ping every 25 minutes, so nobody stays online forever
/// when their server goes away).
/// </summary>
public sealed class RemotePresence(EphemeralSerial serial, PresenceWakeups wakeups, TimeProvider clock)
{
    public const int MaxUsers = 50_000;
    public const long TimeoutMs = 30 * 60_000;

    private readonly ConcurrentDictionary<string, UserPresence> _users = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private readonly PresenceChangeIndex _changes = new();

    public UserPresence? Get(string userId) => _users.GetValueOrDefault(userId);

    public List<UserPresence> ChangedSince(long since) => _changes.ChangedSince(since, _users);

    /// <summary>Stores an update received now: last_active_ago counts back from now, as it is relative to the sending.</summary>
    public void Set(RemotePresenceUpdate update)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Update(update.UserId, old => old with
        {
            State = update.State,
            StatusMsg = update.StatusMsg,
            LastActiveTs = update.LastActiveAgo is { } ago ? now - ago : old.LastActiveTs,
            CurrentlyActive = update.CurrentlyActive,
            LastUserSyncTs = now,
        });
    }

    /// <summary>Users whose servers went quiet become offline; the presence worker calls this every few seconds.</summary>
    public void ApplyTimeouts()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var p in _users.Values.Where(p => p.State != PresenceState.Offline && now - p.LastUserSyncTs > TimeoutMs))
        {
            Update(p.UserId, q => q with { State = PresenceState.Offline, CurrentlyActive = false });
        }
    }

    private void Update(string userId, Func<UserPresence, UserPresence> change)
    {
        bool visible;
        lock (_gate)
        {
            var old = _users.GetValueOrDefault(userId);
            if (old is null && _users.Count >= MaxUsers) EvictQuietest();
            old ??= new UserPresence(userId, PresenceState.Offline, null, 0, 0, false, 0);
            var next = change(old) with { Serial = old.Serial };
            visible = next.DiffersVisiblyFrom(old);
            if (visible) next = next with { Serial = serial.Next() };
            _users[userId] = next;
            if (visible) _changes.Moved(userId, old.Serial, next.Serial);
        }

        if (visible) wakeups.Changed(userId);
    }

    /// <summary>Only at the bound, under the gate: one pass to drop the entry heard from longest ago.</summary>
    private void EvictQuietest()
    {
        var quietest = _users.Values.MinBy(p => p.LastUserSyncTs);
        if (quietest is not null && _users.TryRemove(quietest.UserId, out _)) _changes.Removed(quietest.UserId, quietest.Serial);
    }
}
