using Matrix.Homeserver.FederationApi.Keys;

namespace Matrix.Homeserver.Tests.FederationApi;

public sealed class FetchScheduleTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualTime _time = new();

    [Fact]
    public void An_answer_is_not_asked_for_again_at_once()
    {
        var schedule = new FetchSchedule(_time);
        Assert.True(schedule.MayFetch("a.test"));
        schedule.Succeeded("a.test");
        Assert.False(schedule.MayFetch("a.test"));
        Assert.True(schedule.MayFetch("b.test"));
        _time.Now += FetchSchedule.MinimumInterval;
        Assert.True(schedule.MayFetch("a.test"));
    }

    [Fact]
    public void Failures_back_off_doubling_up_to_the_cap_and_success_resets()
    {
        var schedule = new FetchSchedule(_time);
        var expected = FetchSchedule.FirstBackoff;
        for (var i = 0; i < 12; i++)
        {
            schedule.Failed("down.test");
            _time.Now += expected - TimeSpan.FromSeconds(1);
            Assert.False(schedule.MayFetch("down.test"));
            _time.Now += TimeSpan.FromSeconds(1);
            Assert.True(schedule.MayFetch("down.test"));
            expected = expected * 2 > FetchSchedule.MaximumBackoff ? FetchSchedule.MaximumBackoff : expected * 2;
        }

        schedule.Succeeded("down.test");
        _time.Now += FetchSchedule.MinimumInterval;
        schedule.Failed("down.test");
        _time.Now += FetchSchedule.FirstBackoff;
        Assert.True(schedule.MayFetch("down.test"));
    }
}
