using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// <c>--senders</c> users send into the same room at once, <c>--messages</c> messages in all. With <c>--remote-url</c> a
/// user of that server joins the room first, so that every message also goes to another server.
/// </summary>
public sealed class ConcurrentScenario : IScenario
{
    public string Name => "concurrent";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var senders = await run.RegisterUsersAsync(run.Options.Senders, deadline);
        var roomId = await LoadRun.CreateRoomWithAsync(senders[0], senders, deadline);
        var remote = await run.JoinRemoteUserAsync(roomId, senders[0]);
        await SendTimer.RunAsync(run, senders, roomId, Math.Max(1, run.Options.Warmup(80) / senders.Length), "warmup", deadline);
        var perSender = Math.Max(1, run.Options.Messages / senders.Length);
        var result = await SendTimer.RunAsync(run, senders, roomId, perSender, "conc", deadline);
        if (remote is not null) result["remote_member"] = remote.UserId;
        return result;
    }
}
