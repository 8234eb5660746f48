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

    public void Poke(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds)
        {
            if (_withPushers.ContainsKey(userId)) _users.Writer.TryWrite(userId);
        }
    }

    public ChannelReader<string> Reader => _users.Reader;
}
