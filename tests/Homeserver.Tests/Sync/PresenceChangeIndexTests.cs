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
}
