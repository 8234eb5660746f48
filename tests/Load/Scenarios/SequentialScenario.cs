using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>One user sends <c>--messages</c> messages into one room, each after the previous one returned.</summary>
public sealed class SequentialScenario : IScenario
{
    public string Name => "sequential";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var users = await run.RegisterUsersAsync(1, deadline);
        var roomId = await LoadRun.CreateRoomWithAsync(users[0], users, deadline);
        await SendTimer.RunAsync(run, users, roomId, run.Options.Warmup(Math.Min(50, run.Options.Messages)), "warmup", deadline);
        return await SendTimer.RunAsync(run, users, roomId, run.Options.Messages, "seq", deadline);
    }
}
