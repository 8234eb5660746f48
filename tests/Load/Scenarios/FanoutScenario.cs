using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// <c>--fanout-users</c> users (default 1000) in one room all long-poll /sync; a message is sent, and once all have
/// it another (<c>--repeats</c> more). Measures how long until every one of them has each (the maximum) and the spread.
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

        // The first message after start runs cold code (the JIT, the first notification rows); the later ones (--repeats,
        // default 1) are the steady state and the main figures. Both are reported.
        var first = new Latencies();
        var (firstSend, _) = await MeasureAsync(run, users[0], roomId, waiters, "fanout-0", first, deadline);
        var later = new Latencies();
        var sends = new Latencies();
        var clientCpu = new Latencies();
        var serverCpu = new Latencies();
        var databaseCpu = new Latencies();
        var allocated = new Latencies();
        var paused = new Latencies();
        var repeats = run.Options.Repeats(1);
        // Each message apart too (its send, and when its last member had it): one slow wave (a collection, a burst of
        // presence changes) shows as itself, not only in the overall maximum.
        var perMessage = new JsonArray();
        for (var i = 1; i <= repeats; i++)
        {
            var arrivals = new Latencies();
            var (sendMs, cpu) = await MeasureAsync(run, users[0], roomId, waiters, $"fanout-{i}", arrivals, deadline);
            sends.Add(sendMs);
            clientCpu.Add(cpu.ClientMs);
            if (cpu.ServerMs is { } serverMs) serverCpu.Add(serverMs);
            if (cpu.DatabaseMs is { } databaseMs) databaseCpu.Add(databaseMs);
            if (cpu.ServerAllocatedBytes is { } bytes) allocated.Add(bytes / (1024.0 * 1024.0));
            if (cpu.ServerPauseMs is { } pauseMs) paused.Add(pauseMs);
            later.AddAll(arrivals);
            var one = new JsonObject { ["send_ms"] = Latencies.Round(sendMs), ["max_ms"] = Latencies.Round(arrivals.Percentile(1.0)) };
            if (cpu.ServerMs is { } ms) one["server_cpu_ms"] = Latencies.Round(ms);
            if (cpu.ServerAllocatedBytes is { } allocatedBytes) one["server_allocated_mib"] = Latencies.Round(allocatedBytes / (1024.0 * 1024.0));
            if (cpu.ServerPauseMs is { } pause) one["server_gc_pause_ms"] = Latencies.Round(pause);
            perMessage.Add(one);
        }

        var result = later.Summary();
        result["messages"] = repeats;
        result["users"] = users.Length;
        result["all_received"] = later.Count == users.Length * repeats;
        result["send_ms"] = Latencies.Round(sends.Percentile(0.5));
        result["catch_up_ms"] = Latencies.Round(catchUpMs);
        // From the send until every member had it, the client's own CPU (a thousand answers received and parsed).
        result["client_cpu_ms_per_message"] = Latencies.Round(clientCpu.Percentile(0.5));
        // The server's (and its database's) over the same span, with --pid (--db-pid): the send and a thousand answers. A mean:
        // /proc counts CPU time in 10 ms ticks.
        if (serverCpu.Count > 0) result["server_cpu_ms_per_message"] = Latencies.Round(serverCpu.Mean());
        if (databaseCpu.Count > 0) result["database_cpu_ms_per_message"] = Latencies.Round(databaseCpu.Mean());
        // With --metrics-url: what the server allocated over the same span, in MiB.
        if (allocated.Count > 0) result["server_allocated_mib_per_message"] = Latencies.Round(allocated.Mean());
        // And how long its collector paused it (every answer in flight waits): a mean over the messages.
        if (paused.Count > 0) result["server_gc_pause_ms_per_message"] = Latencies.Round(paused.Mean());
        result["per_message"] = perMessage;
        var cold = first.Summary();
        cold["all_received"] = first.Count == users.Length;
        cold["send_ms"] = Latencies.Round(firstSend);
        result["first_message"] = cold;
        return result;
    }

    /// <summary>
    /// One message into the room while every member long-polls: adds when each had it (from the send) to <paramref name="arrivals"/>;
    /// returns the send's duration and the CPU time of the client (and of the server and its database, when their pids are
    /// known) until the last member had it.
    /// </summary>
    private static async Task<(double SendMs, WaveCpu Cpu)> MeasureAsync(LoadRun run, MatrixClient sender, string roomId, SyncWaiter[] waiters, string tag,
        Latencies arrivals, CancellationToken deadline)
    {
        var clock = Stopwatch.StartNew();
        var message = run.Message(tag);
        var body = message.Body;
        var waiting = waiters.Select(w => Task.Run(() => w.WaitForAsync(body, clock, deadline), CancellationToken.None)).ToArray();
        // Every receiver's request must be parked at the server before the send; a thousand requests need a moment.
        await Task.Delay(TimeSpan.FromSeconds(3), deadline);

        var allocations = await ServerAllocations.StartAsync(run.Http, run.Options.MetricsUrl, deadline);
        var cpu = CpuTime.Start();
        var serverCpu = CpuTime.Start(run.Options.ServerPid);
        var databaseCpu = CpuTime.Start(run.Options.DatabasePid);
        var started = clock.Elapsed.TotalMilliseconds;
        await sender.SendMessageAsync(roomId, run.RunId + tag, message);
        var sendMs = clock.Elapsed.TotalMilliseconds - started;
        foreach (var arrived in await Task.WhenAll(waiting))
        {
            if (arrived is { } ms) arrivals.Add(ms - started);
        }

        var waveCpu = new WaveCpu(cpu.ElapsedMs, serverCpu?.ElapsedMs, databaseCpu?.ElapsedMs, null);
        if (allocations is not { } a) return (sendMs, waveCpu);
        var (allocatedBytes, pauseMs) = await a.ElapsedAsync(deadline);
        return (sendMs, waveCpu with { ServerAllocatedBytes = allocatedBytes, ServerPauseMs = pauseMs });
    }

    private readonly record struct WaveCpu(double ClientMs, double? ServerMs, double? DatabaseMs, double? ServerAllocatedBytes, double? ServerPauseMs = null);
}
