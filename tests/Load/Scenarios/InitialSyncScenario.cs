using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// A user in <c>--rooms</c> rooms (default 100) of <c>--events-per-room</c> messages each (default 1000)
/// makes a full initial /sync, <c>--repeats</c> times (default 10). Set-up stops at the deadline and the
/// figures say how many events were really there.
/// </summary>
public sealed class InitialSyncScenario : IScenario
{
    public string Name => "initial-sync";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var users = await run.RegisterUsersAsync(1, deadline);
        var user = users[0];
        var rooms = new string[run.Options.Rooms];
        for (var r = 0; r < rooms.Length; r++) rooms[r] = await user.CreateRoomAsync();

        // Rooms fill in parallel (different rooms do not wait for each other); the deadline keeps a quarter for measuring.
        using var fill = CancellationTokenSource.CreateLinkedTokenSource(deadline);
        fill.CancelAfter(run.Options.Deadline * 3 / 4);
        var sent = 0;
        var setup = Stopwatch.StartNew();
        await Parallel.ForAsync(0, rooms.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, _) =>
        {
            for (var n = 0; n < run.Options.EventsPerRoom && !fill.IsCancellationRequested; n++)
            {
                var tag = string.Create(CultureInfo.InvariantCulture, $"fill-{r}-{n}");
                await user.SendMessageAsync(rooms[r], run.RunId + tag, run.Message(tag));
                Interlocked.Increment(ref sent);
            }
        });
        var setupSeconds = setup.Elapsed.TotalSeconds;

        var latencies = new Latencies();
        var repeats = run.Options.Repeats(10);
        var joinedRooms = 0;
        for (var n = 0; n < repeats + 1 && !deadline.IsCancellationRequested; n++)
        {
            var started = Stopwatch.StartNew();
            var answer = await user.SyncAsync(null, 0, deadline);
            if (n > 0) latencies.Add(started.Elapsed.TotalMilliseconds); // the first one warms up
            joinedRooms = answer.JoinedRooms;
        }

        var result = latencies.Summary();
        result["rooms"] = joinedRooms;
        result["events_sent"] = sent;
        result["fill_seconds"] = Math.Round(setupSeconds, 1);
        result["fill_per_second"] = Math.Round(sent / setupSeconds, 1);
        result["completed"] = sent == rooms.Length * run.Options.EventsPerRoom && latencies.Count == repeats;
        return result;
    }
}
