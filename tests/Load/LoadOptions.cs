using System.Globalization;

namespace Matrix.Load;

/// <summary>
/// Command-line settings (<c>--name value</c> pairs). Every count has a default small enough for a
/// 2-core machine; every scenario also stops at <see cref="Deadline"/>.
/// </summary>
public sealed class LoadOptions
{
    private readonly Dictionary<string, string> _values;

    private LoadOptions(Dictionary<string, string> values) => _values = values;

    public Uri Url => new(Text("url") ?? "http://127.0.0.1:8008");

    /// <summary>
    /// Another homeserver federating with the one at <see cref="Url"/>: the delivery scenario then joins a user of it to its
    /// room, so that every message also goes to another server (registered with the same shared secret, or openly); the
    /// inbound scenario has that user send.
    /// </summary>
    public Uri? RemoteUrl => Text("remote-url") is { } url ? new Uri(url) : null;

    /// <summary>
    /// sequential, concurrent, rooms, delivery, inbound, fanout, initial-sync, state, requests, cold-start, or all (every one but
    /// cold-start, and inbound only with a remote URL).
    /// </summary>
    public string Scenario => Text("scenario") ?? "all";

    /// <summary>Synapse-style shared-secret registration when set, else open registration (m.login.dummy).</summary>
    public string? SharedSecret => Text("shared-secret");

    public int? ServerPid => Text("pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null;

    /// <summary>The database server's main process (PostgreSQL's postmaster): its CPU time per send, with its backends'.</summary>
    public int? DatabasePid => Text("db-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null;

    /// <summary>The server's Prometheus metrics: the fanout then reports what the server allocated per message and how long its collector paused it (<see cref="ServerAllocations"/>).</summary>
    public Uri? MetricsUrl => Text("metrics-url") is { } url ? new Uri(url) : null;

    public string? JsonPath => Text("json");

    /// <summary>Wall-clock budget of each scenario, set-up included.</summary>
    public TimeSpan Deadline => TimeSpan.FromSeconds(Int("deadline-seconds", 300));

    public int Messages => Int("messages", 1000);

    public int Senders => Int("senders", 16);

    public int FanoutUsers => Int("fanout-users", 1000);

    public int Rooms => Int("rooms", 100);

    public int EventsPerRoom => Int("events-per-room", 1000);

    /// <summary>
    /// Messages sent before a send scenario starts measuring (split among the senders), so that a
    /// freshly started server's JIT has tiered up: a few hundred make the figures steady.
    /// </summary>
    public int Warmup(int fallback) => Int("warmup", fallback);

    /// <summary>How many times a scenario that measures one operation at a time repeats it.</summary>
    public int Repeats(int fallback) => Int("repeats", fallback);

    /// <summary>
    /// The filter every user's <c>/sync</c> names, uploaded once per user as a client does (<c>POST /user/{userId}/filter</c>):
    /// a JSON filter, or <c>element</c> for the one Element Web's matrix-js-sdk sends (members lazy-loaded, per-thread unread
    /// counts, 20 timeline events). None by default.
    /// </summary>
    public string? SyncFilter => Text("sync-filter") switch
    {
        "element" => """{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":20,"unread_thread_notifications":true}}}""",
        var filter => filter,
    };

    /// <summary>For cold-start: the shell command that starts the server listening at <see cref="Url"/>.</summary>
    public string? StartCommand => Text("start-command");

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) throw new ArgumentException($"expected --name value, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }

        return new LoadOptions(values);
    }

    private string? Text(string name) => _values.GetValueOrDefault(name);

    private int Int(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
