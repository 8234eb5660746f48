using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;

namespace Matrix.Homeserver.Tests.Events;

public sealed class RecentTimelineTests
{
    private static TimelineRow Row(long stream) => new($"$e{stream}", "!r:x", stream, "m.room.message", null, "@a:x", 1, null, null);

    [Fact]
    public void A_window_from_the_covered_position_on_is_served_newest_first_and_bounded()
    {
        var recent = RecentTimeline.Starting(9, [Row(10), Row(12), Row(15)]);

        Assert.True(recent.TryWindow(10, 15, 10, out var rows));
        Assert.Equal([15, 12], rows.Select(r => r.Stream));
        Assert.True(recent.TryWindow(9, 14, 10, out rows));
        Assert.Equal([12, 10], rows.Select(r => r.Stream));
        Assert.True(recent.TryWindow(9, 15, 1, out rows));
        Assert.Equal([15], rows.Select(r => r.Stream));
        // Nothing of the room after 15: an empty window is known too.
        Assert.True(recent.TryWindow(15, 30, 10, out rows));
        Assert.Empty(rows);
    }

    [Fact]
    public void A_window_reaching_before_the_covered_position_is_not_served()
    {
        var recent = RecentTimeline.Starting(9, [Row(10)]);
        Assert.False(recent.TryWindow(8, 15, 10, out _));
        Assert.False(recent.TryWindow(long.MinValue, 15, 10, out _));
    }

    [Fact]
    public void Appending_past_the_limit_drops_the_oldest_and_moves_the_covered_position()
    {
        var recent = RecentTimeline.Starting(0, []);
        for (var i = 1; i <= RecentTimeline.MaxRows + 3; i++) recent = recent.Append([Row(i * 2)]);

        Assert.Equal(RecentTimeline.MaxRows, recent.Rows.Length);
        Assert.Equal(6, recent.CoveredAfter);
        Assert.Equal(8, recent.Rows[0].Stream);
        Assert.False(recent.TryWindow(5, 100, 100, out _));
        Assert.True(recent.TryWindow(6, 100, 100, out var rows));
        Assert.Equal(RecentTimeline.MaxRows, rows.Count);
    }
}
