using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>
/// Users with new notifications for their pushers. Writers never wait; the delivery worker reads the
/// pokes and works from the database, so a poke lost to a restart costs nothing (it catches up at start).
/// Only users who have a pusher are queued: most notified users have none, and looking them up was a
/// database round trip per notifying message.
/// </summary>
public sealed class PushDeliveryQueue
{
    private readonly Channel<string> _users = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    // Users who have or had a pusher: filled by the worker at start (before its catch-up) and by every pusher set (before
    // it is written). It never shrinks while running: a user whose pushers went costs a lookup, never a missed push.
    private readonly ConcurrentDictionary<string, byte> _withPushers = new(StringComparer.Ordinal);

    /// <summary>From now on, notifications of this user reach the worker.</summary>
    public void Track(string userId) => _withPushers.TryAdd(userId, 0);

    // Users whose unread count a read receipt may have lowered: their pushers send the new badge.
    private readonly ConcurrentDictionary<string, byte> _badges = new(StringComparer.Ordinal);

    public void Poke(IEnumerable<string> userIds)
    {
        // Each user once; only users with pushers are remembered (a big room's members mostly have none).
        HashSet<string>? poked = null;
        foreach (var userId in userIds)
        {
            if (_withPushers.ContainsKey(userId) && (poked ??= new HashSet<string>(StringComparer.Ordinal)).Add(userId)) _users.Writer.TryWrite(userId);
        }
    }

    /// <summary>The user read something: their pushers tell their gateways the new unread count (a badge update).</summary>
    public void PokeBadge(string userId)
    {
        if (!_withPushers.ContainsKey(userId)) return;
        _badges[userId] = 0;
        _users.Writer.TryWrite(userId);
    }

    /// <summary>Whether a badge update was asked for the user since the last call.</summary>
    public bool TakeBadge(string userId) => _badges.TryRemove(userId, out _);

    public ChannelReader<string> Reader => _users.Reader;
}
