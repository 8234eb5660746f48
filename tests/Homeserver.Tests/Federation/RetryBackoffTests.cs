using Matrix.Homeserver.FederationSender;

namespace Matrix.Homeserver.Tests.Federation;

public sealed class RetryBackoffTests
{
    [Fact]
    public void The_first_failure_waits_the_minimum_then_each_doubles_within_the_jitter_up_to_the_cap()
    {
        Assert.Equal(1_000, RetryBackoff.Next(0, 1_000, 3_600_000, 1.0));
        Assert.Equal(2_000, RetryBackoff.Next(1_000, 1_000, 3_600_000, 1.0));
        Assert.Equal(1_600, RetryBackoff.Next(1_000, 1_000, 3_600_000, RetryBackoff.MinJitter));
        Assert.Equal(2_800, RetryBackoff.Next(1_000, 1_000, 3_600_000, RetryBackoff.MaxJitter));
        Assert.Equal(3_600_000, RetryBackoff.Next(3_000_000, 1_000, 3_600_000, 1.0));
        // Out-of-range jitter is clamped.
        Assert.Equal(2_800, RetryBackoff.Next(1_000, 1_000, 3_600_000, 5));
    }

    [Fact]
    public void From_healthy_to_the_cap_takes_a_bounded_number_of_failures()
    {
        long interval = 0;
        var failures = 0;
        while (interval < 3_600_000)
        {
            interval = RetryBackoff.Next(interval, 1_000, 3_600_000, RetryBackoff.RandomJitter());
            Assert.True(++failures < 40);
        }

        Assert.InRange(failures, 7, 20);
        for (var i = 0; i < 1000; i++) Assert.InRange(RetryBackoff.RandomJitter(), RetryBackoff.MinJitter, RetryBackoff.MaxJitter);
    }
}
