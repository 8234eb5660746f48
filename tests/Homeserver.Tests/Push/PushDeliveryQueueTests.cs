using Matrix.Homeserver.Push.Gateway;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>Only users with a pusher reach the delivery worker: the others would cost it a lookup per notifying message.</summary>
public sealed class PushDeliveryQueueTests
{
    [Fact]
    public void Only_tracked_users_are_queued()
    {
        var queue = new PushDeliveryQueue();
        queue.Poke(["@a:hs", "@b:hs"]);
        Assert.False(queue.Reader.TryRead(out _));

        queue.Track("@b:hs");
        queue.Poke(["@a:hs", "@b:hs"]);
        Assert.True(queue.Reader.TryRead(out var user));
        Assert.Equal("@b:hs", user);
        Assert.False(queue.Reader.TryRead(out _));
    }
}
