using Matrix.Homeserver.Http;
using Matrix.Homeserver.Sync;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Time.Testing;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>A device's sync waits for the answers to that device's sends, and nobody else's.</summary>
public sealed class UnansweredSendsTests
{
    private static readonly Requester Phone = new("@a:x", "PHONE", 1, IsGuest: false);
    private static readonly Requester Laptop = new("@a:x", "LAPTOP", 2, IsGuest: false);

    [Fact]
    public async Task The_sending_devices_sync_waits_until_the_answer_has_gone_out()
    {
        // No grace here: the wait ends with the answer.
        var sends = new UnansweredSends(TimeSpan.Zero);
        var (first, second) = (new SendResponse(), new SendResponse());
        sends.Track(first.Context, Phone);
        sends.Track(second.Context, Phone);

        var phoneWaits = sends.WhenAnsweredAsync(Phone, CancellationToken.None);
        Assert.False(phoneWaits.IsCompleted);
        Assert.True(sends.WhenAnsweredAsync(Laptop, CancellationToken.None).IsCompleted);

        await first.CompleteAsync();
        Assert.False(phoneWaits.IsCompleted);
        await second.CompleteAsync();
        await phoneWaits.WaitAsync(TimeSpan.FromSeconds(10));

        // Nothing in flight: the next sync goes straight on, and a new send is waited for again.
        Assert.True(sends.WhenAnsweredAsync(Phone, CancellationToken.None).IsCompleted);
        var third = new SendResponse();
        sends.Track(third.Context, Phone);
        Assert.False(sends.WhenAnsweredAsync(Phone, CancellationToken.None).IsCompleted);
        await third.CompleteAsync();
        Assert.True(sends.WhenAnsweredAsync(Phone, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task The_echo_waits_a_moment_after_the_answer_and_a_later_answer_starts_the_moment_again()
    {
        // On a clock the test moves: a busy machine's late timers made the real-time version of this test fail.
        var clock = new FakeTimeProvider();
        var grace = TimeSpan.FromSeconds(1);
        var sends = new UnansweredSends(grace, clock);
        var first = new SendResponse();
        sends.Track(first.Context, Phone);
        // The callbacks return at once: Kestrel reads the connection's next request only after them.
        Assert.True(first.CompleteAsync().IsCompleted);
        var waits = sends.WhenAnsweredAsync(Phone, CancellationToken.None);
        Assert.False(waits.IsCompleted);

        // Another send, answered halfway through the first one's grace: the wait lasts until its own grace is over.
        clock.Advance(grace / 2);
        var second = new SendResponse();
        sends.Track(second.Context, Phone);
        await second.CompleteAsync();
        clock.Advance(grace * 3 / 5);
        await Task.Delay(50);
        Assert.False(waits.IsCompleted);
        clock.Advance(grace / 2);
        await waits.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_send_never_answered_holds_the_sync_back_no_longer_than_the_longest_wait()
    {
        var clock = new FakeTimeProvider();
        var sends = new UnansweredSends(TimeSpan.FromMilliseconds(20), clock);
        var stuck = new SendResponse();
        sends.Track(stuck.Context, Phone);
        var waits = sends.WhenAnsweredAsync(Phone, CancellationToken.None);
        clock.Advance(UnansweredSends.MaxWait - TimeSpan.FromMilliseconds(100));
        await Task.Delay(50);
        Assert.False(waits.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        await waits.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_request_without_a_device_is_not_tracked()
    {
        var sends = new UnansweredSends();
        var service = new Requester("@bridge:x", "", 3, IsGuest: false);
        var response = new SendResponse();
        sends.Track(response.Context, service);
        Assert.True(sends.WhenAnsweredAsync(service, CancellationToken.None).IsCompleted);
        Assert.Empty(response.Completed);
    }

    /// <summary>A request whose response-completed callbacks the test runs, as Kestrel does once the answer is sent.</summary>
    private sealed class SendResponse : HttpResponseFeature
    {
        public SendResponse()
        {
            Context = new DefaultHttpContext();
            Context.Features.Set<IHttpResponseFeature>(this);
        }

        public DefaultHttpContext Context { get; }

        public List<(Func<object, Task> Callback, object State)> Completed { get; } = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => Completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in Completed) await callback(state);
        }
    }
}
