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

        var creates = await Latencies.OneAtATimeAsync(repeats, warmup, _ => owner.CreateRoomAsync(), deadline);
        var roomId = await owner.CreateRoomAsync();
        var joins = await Latencies.OneAtATimeAsync(repeats, warmup, n => users[1 + n].JoinAsync(roomId), deadline);
        var topics = await Latencies.OneAtATimeAsync(repeats, warmup,
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
}
