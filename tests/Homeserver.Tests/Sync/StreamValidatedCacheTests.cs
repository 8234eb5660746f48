using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>A value read for a key is reused only while no writer of that key marked a position after the read.</summary>
public sealed class StreamValidatedCacheTests
{
    [Fact]
    public void A_value_is_kept_until_its_key_changes_after_the_read()
    {
        var (streams, changes, cache) = AfterAWrite();

        cache.Set("@a:x", "read at 1", cache.Position);
        Assert.True(cache.TryGet("@a:x", out var value));
        Assert.Equal("read at 1", value);
        Assert.False(cache.TryGet("@b:x", out _));

        // Another key's write leaves it; its own write (marked before it commits) does not.
        using (var position = streams.Next()) changes.Mark("@other:x", position.Position);
        Assert.True(cache.TryGet("@a:x", out _));
        using (var position = streams.Next()) changes.Mark("@a:x", position.Position);
        Assert.False(cache.TryGet("@a:x", out _));
    }

    [Fact]
    public void A_read_that_raced_with_a_write_is_not_reused()
    {
        var (streams, changes, cache) = AfterAWrite();

        // The position is read before the query; a write reserved meanwhile is after it, whether or not the query saw it.
        var asOf = cache.Position;
        using (var write = streams.Next())
        {
            changes.Mark("@a:x", write.Position);
            cache.Set("@a:x", "maybe stale", asOf);
        }

        Assert.False(cache.TryGet("@a:x", out _));
        cache.Set("@a:x", "fresh", cache.Position);
        Assert.True(cache.TryGet("@a:x", out var fresh));
        Assert.Equal("fresh", fresh);
    }

    /// <summary>A cache whose process has seen one write (of another key), so positions after it are covered.</summary>
    private static (StreamIdGenerator Streams, StreamChangeCache Changes, StreamValidatedCache<string> Cache) AfterAWrite()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(0);
        var changes = new StreamChangeCache(streams);
        using (var position = streams.Next()) changes.Mark("@other:x", position.Position);
        return (streams, changes, new StreamValidatedCache<string>(streams, changes));
    }

    [Fact]
    public void Nothing_is_reused_before_the_process_has_seen_a_write()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(5);
        var changes = new StreamChangeCache(streams);
        var cache = new StreamValidatedCache<string>(streams, changes);
        cache.Set("@a:x", "read at start", cache.Position);
        Assert.False(cache.TryGet("@a:x", out _));
    }
}
