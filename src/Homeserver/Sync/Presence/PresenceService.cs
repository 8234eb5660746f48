using System.Collections.Concurrent;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Presence;

/// <summary>
/// Presence of local users, kept in memory (spec: "Presence"), with Synapse's timing: a user active
/// within the last minute is currently_active; no activity for <see cref="SyncOptions.PresenceIdleAfterMs"/>
/// makes an online user unavailable; no /sync for <see cref="SyncOptions.PresenceOfflineAfterMs"/>
/// makes them offline. Each visible change takes an ephemeral serial and wakes the users who share a
/// room with them, and is announced by <see cref="LocalChanged"/> (federation). Remote users' presence,
/// as their servers send it, is held by <see cref="RemotePresence"/> and read through here too.
/// <see cref="PresenceWorker"/> runs the timeouts and writes local changes to the database.
/// </summary>
public sealed class PresenceService(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    EphemeralSerial serial,
    PresenceWakeups wakeups,
    RemotePresence remote,
    HomeserverOptions options,
    TimeProvider clock)
{

    private readonly ConcurrentDictionary<string, UserPresence> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _syncing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private readonly PresenceChangeIndex _changes = new();

    public bool Enabled => options.Sync.PresenceEnabled;

    /// <summary>
    /// Raised on every visible change of a local user's presence (state, status message, currently_active, a
    /// last_active jump beyond the granularity), on the changing request's path: handlers only queue.
    /// </summary>
    public event Action<UserPresence>? LocalChanged;

    /// <summary>A local or remote user's presence; null when nothing is known.</summary>
    public UserPresence? Get(string userId) => _users.GetValueOrDefault(userId) ?? remote.Get(userId);

    /// <summary>The m.presence events of these users (those whose presence is known), as the legacy initial syncs list them.</summary>
    public IEnumerable<System.Text.Json.Nodes.JsonObject> EventsOf(IEnumerable<string> userIds)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var userId in userIds)
        {
            if (Get(userId) is { } p) yield return LegacyEvent(userId, PresenceEvent.Content(p, now));
        }
    }

    /// <summary>
    /// A presence event as the pre-/sync endpoints (initialSync, /events) give it: the user also named in the content's
    /// user_id, where clients of that era (and SyTest) look for it.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject LegacyEvent(string userId, System.Text.Json.Nodes.JsonObject content)
    {
        content["user_id"] = userId;
        return new() { ["type"] = "m.presence", ["sender"] = userId, ["content"] = content };
    }

    /// <summary>Local users' presence as held now.</summary>
    public IEnumerable<UserPresence> Local => _users.Values;

    /// <summary>Presence entries, local and remote, whose last visible change is after <paramref name="since"/> (0: all of them).</summary>
    public List<UserPresence> ChangedSince(long since)
    {
        var changed = _changes.ChangedSince(since, _users);
        changed.AddRange(remote.ChangedSince(since));
        return changed;
    }

    /// <summary>PUT /presence/{userId}/status: an explicit state and status message (null clears it).</summary>
    public void Set(string userId, PresenceState state, string? statusMsg)
    {
        var now = Now();
        Update(userId, p => p with
        {
            State = state,
            StatusMsg = statusMsg,
            LastActiveTs = state == PresenceState.Online ? now : p.LastActiveTs,
            CurrentlyActive = state == PresenceState.Online,
            // Setting presence is a sign of life, as a sync is: it does not time out to offline at once.
            LastUserSyncTs = now,
        });
    }

    /// <summary>A pro-active action (sending, a receipt, typing): the user is online and active now.</summary>
    public void BumpActive(string userId)
    {
        var now = Now();
        Update(userId, p => p with { State = PresenceState.Online, LastActiveTs = now, CurrentlyActive = true });
    }

    /// <summary>
    /// A /sync starts: with set_presence online an offline user comes online, with unavailable the
    /// user is marked idle; offline leaves presence alone. Dispose when the sync ends.
    /// </summary>
    public IDisposable SyncStarted(string userId, PresenceState setPresence)
    {
        _syncing.AddOrUpdate(userId, 1, (_, n) => n + 1);
        var now = Now();
        if (setPresence == PresenceState.Online)
        {
            Update(userId, p => p.State == PresenceState.Offline
                ? p with { State = PresenceState.Online, LastActiveTs = now, CurrentlyActive = true, LastUserSyncTs = now }
                : p with { LastUserSyncTs = now });
        }
        else if (setPresence == PresenceState.Unavailable)
        {
            Update(userId, p => p with { State = PresenceState.Unavailable, CurrentlyActive = false, LastUserSyncTs = now });
        }

        return new SyncScope(this, userId);
    }

    /// <summary>Applies the idle and offline timeouts; the worker calls this every few seconds.</summary>
    public void ApplyTimeouts()
    {
        var now = Now();
        var sync = options.Sync;
        foreach (var p in _users.Values.Where(p => p.State != PresenceState.Offline))
        {
            var syncing = _syncing.ContainsKey(p.UserId);
            if (!syncing && now - p.LastUserSyncTs > sync.PresenceOfflineAfterMs)
            {
                Update(p.UserId, q => q with { State = PresenceState.Offline, CurrentlyActive = false });
            }
            else if (p.State == PresenceState.Online && now - p.LastActiveTs > sync.PresenceIdleAfterMs)
            {
                Update(p.UserId, q => q with { State = PresenceState.Unavailable, CurrentlyActive = false });
            }
            else if (p.CurrentlyActive && now - p.LastActiveTs > UserPresence.ActiveGranularityMs)
            {
                Update(p.UserId, q => q with { CurrentlyActive = false });
            }
        }
    }

    /// <summary>Restores the last persisted presence at start-up.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var row in await db.PresenceStatuses.AsNoTracking().ToListAsync(cancellationToken))
        {
            var state = PresenceStates.FromWire(row.State) ?? PresenceState.Offline;
            var restored = new UserPresence(row.UserId, state, row.StatusMsg, row.LastActiveTs, row.LastUserSyncTs, CurrentlyActive: false, serial.Next());
            _users[row.UserId] = restored;
            _changes.Moved(row.UserId, 0, restored.Serial);
        }
    }

    /// <summary>
    /// Writes the entries changed since the last write, in one statement: every syncing user's entry changes between two
    /// writes, and a thousand of them through the change tracker (a read, then an update per row) took 80–160 ms of
    /// CPU on PostgreSQL, 0.8 s the first time, beside the requests (one upsert: 16–35 ms).
    /// </summary>
    public async Task PersistAsync(CancellationToken cancellationToken)
    {
        var users = _dirty.Keys.ToList();
        if (users.Count == 0) return;
        foreach (var user in users) _dirty.TryRemove(user, out _);
        var entries = users.Select(Get).OfType<UserPresence>().ToList();
        if (entries.Count == 0) return;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await BulkInsert.ExecuteAsync(db, "presence",
        [
            new("user_id", entries.Select(p => p.UserId).ToArray()),
            new("state", entries.Select(p => p.State.ToWire()).ToArray()),
            new("status_msg", entries.Select(p => p.StatusMsg).ToArray()),
            new("last_active_ts", entries.Select(p => p.LastActiveTs).ToArray()),
            new("last_user_sync_ts", entries.Select(p => p.LastUserSyncTs).ToArray()),
        ], cancellationToken, replaceOnKey: "user_id");
    }

    private void Update(string userId, Func<UserPresence, UserPresence> change)
    {
        if (!Enabled) return;
        UserPresence next;
        bool visible;
        lock (_gate)
        {
            var old = _users.GetValueOrDefault(userId) ?? new UserPresence(userId, PresenceState.Offline, null, 0, 0, false, 0);
            next = change(old) with { Serial = old.Serial };
            visible = next.DiffersVisiblyFrom(old);
            if (visible) next = next with { Serial = serial.Next() };
            if (next == old) return;
            _users[userId] = next;
            if (visible) _changes.Moved(userId, old.Serial, next.Serial);
            _dirty[userId] = 0;
        }

        if (!visible) return;
        LocalChanged?.Invoke(next);
        wakeups.Changed(userId);
    }

    private void SyncEnded(string userId)
    {
        var now = Now();
        _syncing.AddOrUpdate(userId, 0, (_, n) => n - 1);
        _syncing.TryRemove(new KeyValuePair<string, int>(userId, 0));
        lock (_gate)
        {
            if (_users.TryGetValue(userId, out var p)) _users[userId] = p with { LastUserSyncTs = now };
        }
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed class SyncScope(PresenceService owner, string userId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.SyncEnded(userId);
        }
    }
}
