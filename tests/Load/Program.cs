using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Load;
using Matrix.Load.Scenarios;

// A load run against a running homeserver, ours or any other, through the Client-Server API only
// (users come from open or shared-secret registration). Runs the named scenarios one after another,
// prints each one's figures, and writes them all as JSON with --json.
var options = LoadOptions.Parse(args);
IScenario[] every = [new SequentialScenario(), new ConcurrentScenario(), new RoomsScenario(), new DeliveryScenario(), new DeliveryScenario(fromRemote: true), new FanoutScenario(), new InitialSyncScenario(), new StateScenario(), new RequestsScenario(), new ColdStartScenario()];
var chosen = options.Scenario == "all"
    ? every.Where(s => s is not ColdStartScenario && (s.Name != "inbound" || options.RemoteUrl is not null)).ToArray()
    : options.Scenario.Split(',').Select(name => every.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown scenario '{name}'")).ToArray();

// Long-polls and a thousand receivers: no per-host connection cap, generous timeout.
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
{
    BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(120),
};
var run = new LoadRun(options, http);
var report = new JsonObject
{
    ["url"] = options.Url.ToString(),
    ["started"] = DateTimeOffset.UtcNow.ToString("O"),
    ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
    ["memory_before"] = ServerMemory.Read(options.ServerPid),
};
var results = new JsonObject();
report["scenarios"] = results;
var indented = new JsonSerializerOptions { WriteIndented = true };

foreach (var scenario in chosen)
{
    using var deadline = new CancellationTokenSource(options.Deadline);
    JsonObject result;
    try
    {
        result = await scenario.RunAsync(run, deadline.Token);
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
    {
        result = new JsonObject { ["error"] = e.Message };
    }

    result["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null;
    results[scenario.Name] = result;
    Console.WriteLine($"{scenario.Name}: {result.ToJsonString()}");
}

report["memory_after"] = ServerMemory.Read(options.ServerPid);
if (report["memory_after"] is { } memory)
{
    // Again once the server has been idle a while: what it keeps, not what the last request left committed.
    await Task.Delay(TimeSpan.FromSeconds(10));
    report["memory_settled"] = ServerMemory.Read(options.ServerPid);
    Console.WriteLine($"server memory before: {report["memory_before"]?.ToJsonString()}, after: {memory.ToJsonString()}, 10 s later: {report["memory_settled"]?.ToJsonString()}");
}
if (options.JsonPath is { } path) await File.WriteAllTextAsync(path, report.ToJsonString(indented));
