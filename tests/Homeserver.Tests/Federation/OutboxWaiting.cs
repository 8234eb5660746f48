using Matrix.Homeserver.FederationSender;

namespace Matrix.Homeserver.Tests.Federation;

public static class OutboxWaiting
{
    /// <summary>Polls a condition on the outbox until it holds (true) or the time runs out (false).</summary>
    public static Task<bool> WaitUntilAsync(this FederationOutbox outbox, Func<FederationOutbox, bool> condition, TimeSpan? timeout = null) =>
        outbox.WaitUntilAsync(o => Task.FromResult(condition(o)), timeout);

    public static async Task<bool> WaitUntilAsync(this FederationOutbox outbox, Func<FederationOutbox, Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition(outbox))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }

        return true;
    }
}
