using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>When a sync may skip a stream: only when the key certainly did not change after its token.</summary>
public sealed class StreamChangeCacheTests
{
    [Fact]
    public void Before_the_stream_is_initialized_everything_may_have_changed()
    {
        var cache = new StreamChangeCache(new StreamIdGenerator());
        Assert.True(cache.MayHaveChanged("@a:x", 1_000));
    }

    [Fact]
    public void Only_marks_after_the_token_count_once_the_process_saw_every_write_since_it()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(10);
        var cache = new StreamChangeCache(streams);
        // Written before this process started: unknown, so possibly changed.
        Assert.True(cache.MayHaveChanged("@a:x", 9));
        Assert.True(cache.MayHaveChanged("@a:x", 10));

        using (var position = streams.Next()) cache.Mark("@a:x", position.Position);
        Assert.True(cache.MayHaveChanged("@a:x", 10));
        Assert.False(cache.MayHaveChanged("@a:x", 11));
        Assert.False(cache.MayHaveChanged("@b:x", 11));

        using (var position = streams.Next()) cache.Mark("@b:x", position.Position);
        Assert.True(cache.MayHaveChanged("@b:x", 11));
        Assert.False(cache.MayHaveChanged("@c:x", 11));
    }

    [Fact]
    public void A_mark_never_moves_back()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(0);
        var cache = new StreamChangeCache(streams);
        cache.Mark("!r:x", 7);
        cache.Mark("!r:x", 5);
        Assert.True(cache.MayHaveChanged("!r:x", 6));
    }

    [Fact]
    public void Past_its_capacity_it_forgets_and_everything_reserved_so_far_counts_as_changed()
    {
        var streams = new StreamIdGenerator();
        streams.Initialize(0);
        var cache = new StreamChangeCache(streams, capacity: 2);
        for (var i = 0; i < 3; i++)
        {
            using var position = streams.Next();
            cache.Mark($"@u{i}:x", position.Position);
        }

        Assert.True(cache.MayHaveChanged("@never:x", 2));
        Assert.True(cache.MayHaveChanged("@never:x", 3));
        Assert.False(cache.MayHaveChanged("@never:x", 4));
    }
}
