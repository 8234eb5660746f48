using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>A user's /sync long-poll loop that waits for one tagged message, for delivery-latency scenarios.</summary>
internal sealed class SyncWaiter(MatrixClient user, string since)
{
    public string Since { get; private set; } = since;

    public static async Task<SyncWaiter> StartAsync(MatrixClient user, CancellationToken cancellationToken) =>
        new(user, (await user.SyncAsync(null, 0, cancellationToken))["next_batch"]!.GetValue<string>());

    /// <summary>One sync without waiting: takes in what changed since the last token.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken) =>
        Since = (await user.SyncAsync(Since, 0, cancellationToken))["next_batch"]!.GetValue<string>();

    /// <summary>
    /// Long-polls until a timeline event whose body is <paramref name="body"/> arrives; returns the
    /// clock's reading at its arrival, or null when the deadline came first. Answers woken by other
    /// changes (the sender's presence, say) just poll again.
    /// </summary>
    public async Task<double?> WaitForAsync(string body, Stopwatch clock, CancellationToken deadline)
    {
        while (!deadline.IsCancellationRequested)
        {
            JsonObject answer;
            try
            {
                answer = await user.SyncAsync(Since, 30_000, deadline);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            var arrived = clock.Elapsed.TotalMilliseconds;
            Since = answer["next_batch"]!.GetValue<string>();
            if (LoadRun.TimelineEvents(answer).Any(e => LoadRun.Body(e) == body)) return arrived;
        }

        return null;
    }
}
