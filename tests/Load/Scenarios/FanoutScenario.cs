using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// <c>--fanout-users</c> users (default 1000) in one room all long-poll /sync; one message is sent.
/// Measures how long until every one of them has it (the maximum) and the spread.
/// </summary>
public sealed class FanoutScenario : IScenario
{
    public string Name => "fanout";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var users = await run.RegisterUsersAsync(run.Options.FanoutUsers, deadline);
        var roomId = await LoadRun.CreateRoomWithAsync(users[0], users, deadline);
        var waiters = new SyncWaiter[users.Length];
        await Parallel.ForAsync(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline },
            async (i, ct) => waiters[i] = await SyncWaiter.StartAsync(users[i], ct));
        // Each initial sync brought its user online after the earlier ones' syncs: a round of catch-up syncs takes
        // that presence in, so the long-polls park with nothing pending and the send measures the message's fanout.
        var catchUp = Stopwatch.StartNew();
        await Parallel.ForAsync(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline },
            async (i, ct) => await waiters[i].CatchUpAsync(ct));
        var catchUpMs = catchUp.Elapsed.TotalMilliseconds;

        var clock = Stopwatch.StartNew();
        var message = run.Message("fanout");
        var body = message["body"]!.GetValue<string>();
        var arrivals = waiters.Select(w => Task.Run(() => w.WaitForAsync(body, clock, deadline), CancellationToken.None)).ToArray();
        // Every receiver's request must be parked at the server before the send; a thousand requests need a moment.
        await Task.Delay(TimeSpan.FromSeconds(3), deadline);

        var started = clock.Elapsed.TotalMilliseconds;
        await users[0].SendMessageAsync(roomId, run.RunId + "fanout", message);
        var sendMs = clock.Elapsed.TotalMilliseconds - started;
        var latencies = new Latencies();
        foreach (var arrived in await Task.WhenAll(arrivals))
        {
            if (arrived is { } ms) latencies.Add(ms - started);
        }

        var result = latencies.Summary();
        result["users"] = users.Length;
        result["all_received"] = latencies.Count == users.Length;
        result["send_ms"] = Latencies.Round(sendMs);
        result["catch_up_ms"] = Latencies.Round(catchUpMs);
        return result;
    }
}
