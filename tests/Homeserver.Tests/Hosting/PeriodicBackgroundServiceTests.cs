using Matrix.Homeserver.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>When a periodic service's ticks run: every interval, the first one sooner when asked.</summary>
public sealed class PeriodicBackgroundServiceTests
{
    private sealed class Counting(TimeSpan interval, TimeProvider clock, TimeSpan? firstTickAfter = null)
        : PeriodicBackgroundService(interval, clock, firstTickAfter)
    {
        public int Ticks;

        protected override Task TickAsync(CancellationToken stoppingToken)
        {
            Interlocked.Increment(ref Ticks);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task The_first_tick_comes_one_interval_after_start_or_sooner_when_asked()
    {
        var clock = new FakeTimeProvider();
        var plain = new Counting(TimeSpan.FromMinutes(1), clock);
        var early = new Counting(TimeSpan.FromMinutes(1), clock, firstTickAfter: TimeSpan.FromSeconds(2));
        await plain.StartAsync(CancellationToken.None);
        await early.StartAsync(CancellationToken.None);
        try
        {
            // The services start their waits on the thread pool: time moves in steps until the early one has ticked.
            var elapsed = await AdvanceUntil(clock, () => Volatile.Read(ref early.Ticks) == 1);
            Assert.InRange(elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
            Assert.Equal(0, Volatile.Read(ref plain.Ticks));

            // Then every interval, as the other, whose first tick comes a minute after start.
            elapsed += await AdvanceUntil(clock, () => Volatile.Read(ref plain.Ticks) == 1);
            Assert.InRange(elapsed, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(70));
            await AdvanceUntil(clock, () => Volatile.Read(ref early.Ticks) == 2);
            Assert.Equal(1, Volatile.Read(ref plain.Ticks));
        }
        finally
        {
            await plain.StopAsync(CancellationToken.None);
            await early.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Moves the clock half a second at a time (bounded) until the condition holds; returns how far it moved.</summary>
    private static async Task<TimeSpan> AdvanceUntil(FakeTimeProvider clock, Func<bool> condition)
    {
        var step = TimeSpan.FromMilliseconds(500);
        var moved = TimeSpan.Zero;
        for (var i = 0; i < 200 && !condition(); i++)
        {
            clock.Advance(step);
            moved += step;
            // Let the continuations the step released run before looking.
            for (var wait = 0; wait < 4 && !condition(); wait++) await Task.Delay(5);
        }

        Assert.True(condition(), "the tick never came");
        return moved;
    }
}
