using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Federation;

public static class OutboxWaiting
{
    /// <summary>Polls a condition on the outbox until it holds (true) or the time runs out (false).</summary>
    public static Task<bool> WaitUntilAsync(this FederationOutbox outbox, Func<FederationOutbox, bool> condition, TimeSpan? timeout = null) =>
        outbox.WaitUntilAsync(o => Task.FromResult(condition(o)), timeout);

    public static Task<bool> WaitUntilAsync(this FederationOutbox outbox, Func<FederationOutbox, Task<bool>> condition, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(() => condition(outbox), timeout);
}
