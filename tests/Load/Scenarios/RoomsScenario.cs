using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// <c>--senders</c> users send at once, each into a room of its own with a second member, <c>--messages</c> messages in
/// all: many quiet conversations at once, where <c>concurrent</c> is one busy room. Nothing is shared between the sends
/// but the server itself, so this shows whether one room's send waits for another's.
/// </summary>
public sealed class RoomsScenario : IScenario
{
    public string Name => "rooms";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var senders = await run.RegisterUsersAsync(run.Options.Senders, deadline);
        var listener = (await run.RegisterUsersAsync(1, deadline))[0];
        var roomIds = new string[senders.Length];
        for (var s = 0; s < senders.Length; s++) roomIds[s] = await LoadRun.CreateRoomWithAsync(senders[s], [senders[s], listener], deadline);
        await SendTimer.RunAsync(run, senders, roomIds, Math.Max(1, run.Options.Warmup(80) / senders.Length), "warmup", deadline);
        var perSender = Math.Max(1, run.Options.Messages / senders.Length);
        var result = await SendTimer.RunAsync(run, senders, roomIds, perSender, "rooms", deadline);
        result["rooms"] = roomIds.Length;
        return result;
    }
}
