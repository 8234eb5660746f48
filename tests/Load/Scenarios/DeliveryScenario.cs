using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// One user sends, another has a /sync long-poll parked: the time from the start of the send to the
/// receiver's answer, <c>--repeats</c> times (default 200), one message at a time. With <c>--remote-url</c> a user of
/// that server joins the room first, so that every message also goes to another server. As <c>inbound</c>
/// (<paramref name="fromRemote"/>; needs <c>--remote-url</c>) that remote user is the sender: a message from a partner's
/// server, through its federation sender and this server's inbound transactions, to the local receiver.
/// </summary>
public sealed class DeliveryScenario(bool fromRemote = false) : IScenario
{
    /// <summary>Time for the receiver's request to reach the server and park before the send starts.</summary>
    private static readonly TimeSpan Park = TimeSpan.FromMilliseconds(20);

    public string Name => fromRemote ? "inbound" : "delivery";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var users = await run.RegisterUsersAsync(2, deadline);
        var (sender, receiver) = (users[0], users[1]);
        var roomId = await LoadRun.CreateRoomWithAsync(sender, users, deadline);
        var remote = await run.JoinRemoteUserAsync(roomId, sender);
        if (fromRemote) sender = remote ?? throw new ArgumentException("the inbound scenario needs --remote-url");
        var waiter = await SyncWaiter.StartAsync(receiver, deadline);
        var latencies = new Latencies();
        var sends = new Latencies();
        var clock = Stopwatch.StartNew();
        var repeats = run.Options.Repeats(200);
        var warmup = run.Options.Warmup(10);
        for (var n = 0; n < repeats + warmup && !deadline.IsCancellationRequested; n++)
        {
            var tag = string.Create(CultureInfo.InvariantCulture, $"delivery-{n}");
            var message = run.Message(tag);
            var arrival = waiter.WaitForAsync(message.Body, clock, deadline);
            await Task.Delay(Park, CancellationToken.None);
            var started = clock.Elapsed.TotalMilliseconds;
            await sender.SendMessageAsync(roomId, run.RunId + tag, message);
            var sent = clock.Elapsed.TotalMilliseconds;
            if (await arrival is { } arrived && n >= warmup)
            {
                latencies.Add(arrived - started);
                sends.Add(sent - started);
            }
        }

        var result = latencies.Summary();
        result["completed"] = latencies.Count == repeats;
        // The sender's own answer, for where the time goes: the rest is the wake-up and the receiver's answer.
        result["send_p50_ms"] = Latencies.Round(sends.Percentile(0.50));
        if (remote is not null) result["remote_member"] = remote.UserId;
        return result;
    }
}
