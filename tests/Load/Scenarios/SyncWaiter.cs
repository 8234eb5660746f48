using System.Diagnostics;

namespace Matrix.Load.Scenarios;

/// <summary>A user's /sync long-poll loop that waits for one tagged message, for delivery-latency scenarios.</summary>
internal sealed class SyncWaiter(MatrixClient user, string since)
{
    public string Since { get; private set; } = since;

    public static async Task<SyncWaiter> StartAsync(MatrixClient user, CancellationToken cancellationToken) =>
        new(user, (await user.SyncAsync(null, 0, cancellationToken)).NextBatch);

    /// <summary>One sync without waiting: takes in what changed since the last token.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken) =>
        Since = (await user.SyncAsync(Since, 0, cancellationToken)).NextBatch;

    /// <summary>
    /// Long-polls until a timeline event whose body is <paramref name="body"/> arrives; returns the
    /// clock's reading at its arrival, or null when the deadline came first. Answers woken by other
    /// changes (the sender's presence, say) just poll again.
    /// </summary>
    public async Task<double?> WaitForAsync(string body, Stopwatch clock, CancellationToken deadline)
    {
        while (!deadline.IsCancellationRequested)
        {
            SyncAnswer answer;
            try
            {
                answer = await user.SyncAsync(Since, 30_000, deadline);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            // When it had arrived, not when it was parsed: the client's parsing is not the server's delivery.
            var arrived = (clock.Elapsed - answer.Age).TotalMilliseconds;
            Since = answer.NextBatch;
            if (answer.Bodies.Contains(body)) return arrived;
        }

        return null;
    }
}
