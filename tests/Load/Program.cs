using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Load;

// A load run against a running homeserver (ours or any other, for side-by-side figures): registers
// users, puts them in a few public rooms, has every user keep a /sync long-poll open, then sends
// messages with bounded concurrency (each carrying its send time). Reports send throughput and latency, how long a message takes
// to reach the other members' syncs, and the server's peak memory when its pid is given.
var options = LoadOptions.Parse(args);
using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(120) };
http.DefaultRequestHeaders.ConnectionClose = false;
var run = Guid.NewGuid().ToString("N")[..8];

var setup = Stopwatch.StartNew();
var users = new MatrixClient[options.Users];
for (var i = 0; i < users.Length; i++) users[i] = await MatrixClient.RegisterAsync(http, $"load{run}u{i}", "load-password-" + run);
var rooms = new string[options.Rooms];
for (var r = 0; r < rooms.Length; r++) rooms[r] = await users[0].CreateRoomAsync();
foreach (var user in users.Skip(1))
{
    foreach (var room in rooms) await user.JoinAsync(room);
}

Console.WriteLine($"setup: {options.Users} users, {options.Rooms} rooms in {setup.Elapsed.TotalSeconds:F1} s");

// Every user long-polls; each message carries its send time, so arrival latency is measured per receiver.
using var stop = new CancellationTokenSource();
var delivery = new ConcurrentBag<double>();
var clock = Stopwatch.StartNew();
var syncs = users.Select(u => Task.Run(async () =>
{
    var since = (await u.SyncAsync(null, 0, stop.Token))["next_batch"]!.GetValue<string>();
    while (!stop.IsCancellationRequested)
    {
        JsonObject answer;
        try
        {
            answer = await u.SyncAsync(since, 30_000, stop.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }

        since = answer["next_batch"]!.GetValue<string>();
        var now = clock.Elapsed.TotalMicroseconds;
        foreach (var (_, room) in answer["rooms"]?["join"]?.AsObject() ?? [])
        {
            foreach (var e in room!["timeline"]?["events"]?.AsArray() ?? [])
            {
                if (e!["sender"]!.GetValue<string>() != u.UserId && e["content"]?["sent_us"] is { } sent)
                {
                    delivery.Add((now - sent.GetValue<long>()) / 1000);
                }
            }
        }
    }
})).ToList();
await Task.Delay(1000);

var sendLatency = new ConcurrentBag<double>();
var work = new ConcurrentQueue<(MatrixClient User, string Room, int N)>(
    Enumerable.Range(0, options.MessagesPerUser).SelectMany(n => users.Select((u, i) => (u, rooms[(i + n) % rooms.Length], n))));
var sending = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
{
    while (work.TryDequeue(out var item))
    {
        var started = clock.Elapsed.TotalMilliseconds;
        // Canonical JSON has no floats: the send time travels as whole microseconds.
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = $"load message {item.N}", ["sent_us"] = (long)(started * 1000) };
        await item.User.SendMessageAsync(item.Room, $"{run}-{item.N}", content);
        sendLatency.Add(clock.Elapsed.TotalMilliseconds - started);
    }
})));
var sendSeconds = sending.Elapsed.TotalSeconds;

// Let the last messages arrive, bounded.
var expected = (long)options.MessagesPerUser * options.Users * (options.Users - 1);
for (var wait = 0; wait < 100 && delivery.Count < expected; wait++) await Task.Delay(100);
await stop.CancelAsync();
await Task.WhenAll(syncs);

string Percentiles(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    if (sorted.Length == 0) return "none";
    double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.50):F1} ms, p95 {At(0.95):F1} ms, p99 {At(0.99):F1} ms, max {sorted[^1]:F1} ms");
}

var sent = sendLatency.Count;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sent: {sent} messages in {sendSeconds:F1} s = {sent / sendSeconds:F0} msg/s at concurrency {options.Concurrency}"));
Console.WriteLine($"send latency: {Percentiles(sendLatency)}");
Console.WriteLine($"delivered to syncs: {delivery.Count} of {expected}; latency {Percentiles(delivery)}");
if (options.ServerPid is { } pid)
{
    var status = File.ReadAllLines($"/proc/{pid}/status");
    Console.WriteLine("server memory: " + string.Join(", ", status.Where(l => l.StartsWith("VmHWM", StringComparison.Ordinal) || l.StartsWith("VmRSS", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))));
}
