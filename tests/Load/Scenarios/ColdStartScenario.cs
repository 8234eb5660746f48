using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Matrix.Load.Scenarios;

/// <summary>
/// Starts the server with <c>--start-command</c> (a shell command; use <c>exec</c> so the server is the
/// started process) and times until <c>/_matrix/client/versions</c> answers at <c>--url</c>; reads its
/// memory once serving and after a second idle, then stops it.
/// </summary>
public sealed class ColdStartScenario : IScenario
{
    public string Name => "cold-start";

    public async Task<JsonObject> RunAsync(LoadRun run, CancellationToken deadline)
    {
        var command = run.Options.StartCommand ?? throw new ArgumentException("cold-start needs --start-command");
        var clock = Stopwatch.StartNew();
        using var server = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start the server");
        // Drain its output so a chatty server never blocks on a full pipe.
        _ = server.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = server.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            double? readyMs = null;
            while (readyMs is null && !deadline.IsCancellationRequested && !server.HasExited)
            {
                try
                {
                    using var response = await run.Http.GetAsync("/_matrix/client/versions", deadline);
                    if (response.IsSuccessStatusCode) readyMs = clock.Elapsed.TotalMilliseconds;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(5, CancellationToken.None); // not listening yet
                }
            }

            var result = new JsonObject { ["ready_ms"] = readyMs is { } ms ? Latencies.Round(ms) : null, ["memory_at_ready"] = ServerMemory.Read(server.Id) };
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            result["memory_idle"] = ServerMemory.Read(server.Id);
            return result;
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }
}
