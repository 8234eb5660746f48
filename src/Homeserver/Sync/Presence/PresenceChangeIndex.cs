namespace Matrix.Homeserver.Sync.Presence;

/// <summary>
/// Users by the serial of their last visible presence change, so that the changes after a sync's token are found
/// without a pass over every user: a message into a big room wakes every member, and each woken sync asks.
/// </summary>
public sealed class PresenceChangeIndex
{
    // Serials are unique, so they alone order (and identify) the entries.
    private static readonly Comparer<(long Serial, string UserId)> BySerial =
        Comparer<(long Serial, string UserId)>.Create((a, b) => a.Serial.CompareTo(b.Serial));

    private readonly SortedSet<(long Serial, string UserId)> _changes = new(BySerial);
    private readonly Lock _gate = new();

    // The newest serial recorded: a token past it has nothing to look up, and is told so without the lock.
    private long _newest;

    /// <summary>The user's last visible change is now <paramref name="to"/>, no longer <paramref name="from"/> (0: none).</summary>
    public void Moved(string userId, long from, long to)
    {
        lock (_gate)
        {
            if (from > 0) _changes.Remove((from, userId));
            _changes.Add((to, userId));
            if (to > _newest) Volatile.Write(ref _newest, to);
        }
    }

    /// <summary>The user's entry is gone (its last visible change was <paramref name="serial"/>).</summary>
    public void Removed(string userId, long serial)
    {
        lock (_gate) _changes.Remove((serial, userId));
    }

    /// <summary>The users whose last visible change is after <paramref name="since"/>, oldest change first.</summary>
    public List<string> After(long since)
    {
        if (since >= Volatile.Read(ref _newest)) return [];
        lock (_gate)
        {
            if (_changes.Count == 0 || _changes.Max.Serial <= since) return [];
            var users = new List<string>();
            foreach (var (_, userId) in _changes.GetViewBetween((since + 1, ""), _changes.Max)) users.Add(userId);
            return users;
        }
    }

    /// <summary>The entries of <paramref name="users"/> whose last visible change is after <paramref name="since"/>, oldest first.</summary>
    public List<UserPresence> ChangedSince(long since, IReadOnlyDictionary<string, UserPresence> users)
    {
        var after = After(since);
        var changed = new List<UserPresence>(after.Count);
        foreach (var userId in after)
        {
            if (users.GetValueOrDefault(userId) is { Serial: var serial } presence && serial > since) changed.Add(presence);
        }

        return changed;
    }
}
