using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Tests.Database;

public sealed class GenerationalCacheTests
{
    [Fact]
    public void A_full_cache_keeps_taking_the_newest_entries()
    {
        var cache = new GenerationalCache<string, string>(maxWeight: 100, StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set($"k{i}", $"v{i}", weight: 1);
            Assert.True(cache.TryGet($"k{i}", out var value));
            Assert.Equal($"v{i}", value);
        }

        Assert.InRange(cache.Count, 50, 100);
    }

    [Fact]
    public void What_is_used_survives_and_what_is_not_is_dropped()
    {
        var cache = new GenerationalCache<string, string>(maxWeight: 20, StringComparer.Ordinal);
        cache.Set("hot", "h", weight: 1);
        cache.Set("cold", "c", weight: 1);
        for (var i = 0; i < 100; i++)
        {
            cache.Set($"k{i}", "x", weight: 1);
            Assert.True(cache.TryGet("hot", out _));
        }

        Assert.False(cache.TryGet("cold", out _));
        Assert.True(cache.TryGet("hot", out var hot));
        Assert.Equal("h", hot);
    }

    [Fact]
    public void The_weight_is_bounded_and_an_entry_heavier_than_half_of_it_is_not_kept()
    {
        var cache = new GenerationalCache<string, string>(maxWeight: 100, StringComparer.Ordinal);
        cache.Set("huge", "h", weight: 51);
        Assert.False(cache.TryGet("huge", out _));

        for (var i = 0; i < 1_000; i++) cache.Set($"k{i}", "x", weight: 10);
        Assert.InRange(cache.Count, 5, 10);
    }

    [Fact]
    public void Set_replaces_and_Remove_forgets()
    {
        var cache = new GenerationalCache<string, string>(maxWeight: 10, StringComparer.Ordinal);
        cache.Set("a", "1", weight: 1);
        for (var i = 0; i < 5; i++) cache.Set($"k{i}", "x", weight: 1); // "a" is in the old generation now
        cache.Set("a", "2", weight: 1);
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal("2", a);

        cache.Remove("a");
        Assert.False(cache.TryGet("a", out _));
    }
}
