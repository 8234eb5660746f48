using Matrix.Homeserver.Sync.Presence;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>The presence changes after a token are the users whose last change is after it, oldest first, each once.</summary>
public sealed class PresenceChangeIndexTests
{
    [Fact]
    public void Changes_after_a_serial_are_each_user_s_last()
    {
        var index = new PresenceChangeIndex();
        Assert.Empty(index.After(0));
        index.Moved("@a:x", 0, 1);
        index.Moved("@b:x", 0, 2);
        index.Moved("@a:x", 1, 3);
        Assert.Equal(["@b:x", "@a:x"], index.After(0));
        Assert.Equal(["@a:x"], index.After(2));
        Assert.Empty(index.After(3));

        index.Removed("@b:x", 2);
        Assert.Equal(["@a:x"], index.After(0));
    }

    [Fact]
    public void Changed_entries_are_read_from_the_users_held_now()
    {
        var index = new PresenceChangeIndex();
        index.Moved("@a:x", 0, 1);
        index.Moved("@b:x", 0, 2);
        var a = new UserPresence("@a:x", PresenceState.Online, null, 0, 0, false, 1);
        // @b:x is no longer held: nothing to answer for it.
        var users = new Dictionary<string, UserPresence> { ["@a:x"] = a };
        Assert.Equal([a], index.ChangedSince(0, users));
        Assert.Empty(index.ChangedSince(1, users));
        Assert.Empty(index.ChangedSince(2, users));
    }
}
