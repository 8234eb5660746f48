using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>Sends messages from several senders at once, each sender one after another, and times every send.</summary>
internal static class SendTimer
{
    /// <summary>Each sender sends <paramref name="perSender"/> messages into <paramref name="roomId"/>; returns throughput and latencies.</summary>
    public static Task<JsonObject> RunAsync(LoadRun run, IReadOnlyList<MatrixClient> senders, string roomId, int perSender, string phase, CancellationToken deadline) =>
        RunAsync(run, senders, senders.Select(_ => roomId).ToArray(), perSender, phase, deadline);

    /// <summary>Each sender sends <paramref name="perSender"/> messages into its own room of <paramref name="roomIds"/> (by index).</summary>
    public static async Task<JsonObject> RunAsync(LoadRun run, IReadOnlyList<MatrixClient> senders, IReadOnlyList<string> roomIds, int perSender, string phase, CancellationToken deadline)
    {
        var latencies = new Latencies();
        var cpu = CpuTime.Start();
        var serverCpu = CpuTime.Start(run.Options.ServerPid);
        var databaseCpu = CpuTime.Start(run.Options.DatabasePid);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(senders.Select((sender, s) => Task.Run(async () =>
        {
            for (var n = 0; n < perSender && !deadline.IsCancellationRequested; n++)
            {
                var tag = string.Create(CultureInfo.InvariantCulture, $"{phase}-{s}-{n}");
                var started = clock.Elapsed.TotalMilliseconds;
                await sender.SendMessageAsync(roomIds[s], run.RunId + tag, run.Message(tag));
                latencies.Add(clock.Elapsed.TotalMilliseconds - started);
            }
        }, CancellationToken.None)));
        var seconds = clock.Elapsed.TotalSeconds;
        var result = latencies.Summary();
        result["senders"] = senders.Count;
        result["seconds"] = Math.Round(seconds, 3);
        result["per_second"] = Math.Round(latencies.Count / seconds, 1);
        result["completed"] = latencies.Count == senders.Count * perSender;
        var sends = Math.Max(1, latencies.Count);
        result["client_cpu_ms_per_send"] = Math.Round(cpu.ElapsedMs / sends, 3);
        if (serverCpu is { } server) result["server_cpu_ms_per_send"] = Math.Round(server.ElapsedMs / sends, 3);
        if (databaseCpu is { } database) result["database_cpu_ms_per_send"] = Math.Round(database.ElapsedMs / sends, 3);
        return result;
    }
}
