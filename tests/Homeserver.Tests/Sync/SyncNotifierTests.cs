using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>Wake-ups for changes a lower, still open stream position keeps out of a sync's sight.</summary>
public sealed class SyncNotifierTests
{
    [Fact]
    public async Task A_change_hidden_behind_an_open_position_wakes_its_user_again_once_visible()
    {
        var streams = new StreamIdGenerator();
        var notifier = new SyncNotifier(streams);
        notifier.Version("@a:x");
        var other = streams.Next();
        using (streams.Next())
        {
            // the change for @a:x commits at position 2 while position 1 is open
        }

        notifier.NotifyUser("@a:x");
        // A sync that reads the counter now reads the stream only up to 0: it must be woken again.
        Assert.Equal(0, streams.Current);
        var seen = notifier.Version("@a:x");
        var waiting = notifier.WaitAsync("@a:x", seen, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        other.Dispose();
        Assert.True(await waiting);
        Assert.Equal(2, streams.Current);
    }

    [Fact]
    public async Task With_nothing_open_a_change_wakes_its_user_once()
    {
        var streams = new StreamIdGenerator();
        var notifier = new SyncNotifier(streams);
        notifier.Version("@a:x");
        using (streams.Next())
        {
        }

        notifier.NotifyUser("@a:x");
        var seen = notifier.Version("@a:x");
        Assert.False(await notifier.WaitAsync("@a:x", seen, TimeSpan.FromMilliseconds(200), CancellationToken.None));
    }
}
