using System.Threading.Channels;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>
/// Users with new notifications for their pushers. Writers never wait; the delivery worker reads the
/// pokes and works from the database, so a poke lost to a restart costs nothing (it catches up at start).
/// </summary>
public sealed class PushDeliveryQueue
{
    private readonly Channel<string> _users = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Poke(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds) _users.Writer.TryWrite(userId);
    }

    public ChannelReader<string> Reader => _users.Reader;
}
