using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// Room state changes, one at a time: <c>--repeats</c> (100) public rooms created by one user, as many users joining one
/// room one after another, and as many topic changes by its creator. Median and p99 of each; <c>--warmup</c> (10) of
/// each go first, unmeasured.
/// </summary>
public sealed class StateScenario : IScenario
{
    public string Name => "state";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var repeats = run.Options.Repeats(100);
        var warmup = run.Options.Warmup(10);
        var users = await run.RegisterUsersAsync(1 + repeats + warmup, deadline);
        var owner = users[0];

        var creates = await TimeAsync(repeats, warmup, _ => owner.CreateRoomAsync(), deadline);
        var roomId = await owner.CreateRoomAsync();
        var joins = await TimeAsync(repeats, warmup, n => users[1 + n].JoinAsync(roomId), deadline);
        var topics = await TimeAsync(repeats, warmup,
            n => owner.SetStateAsync(roomId, "m.room.topic", "", new JsonObject { ["topic"] = string.Create(CultureInfo.InvariantCulture, $"load {run.RunId} topic {n}") }),
            deadline);

        return new JsonObject
        {
            ["create_room"] = creates.Summary(),
            ["join"] = joins.Summary(),
            ["topic"] = topics.Summary(),
            ["completed"] = creates.Count == repeats && joins.Count == repeats && topics.Count == repeats,
        };
    }

    /// <summary>Runs <paramref name="operation"/> warm-up plus repeats times, one after another; times the repeats.</summary>
    private static async Task<Latencies> TimeAsync(int repeats, int warmup, Func<int, Task> operation, CancellationToken deadline)
    {
        var latencies = new Latencies();
        for (var n = 0; n < warmup + repeats && !deadline.IsCancellationRequested; n++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(n);
            if (n >= warmup) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return latencies;
    }
}
