using System.Globalization;

namespace Matrix.Load;

/// <summary>
/// The bytes the server allocated on its managed heap over a phase, and how long its collector paused it, from its
/// Prometheus metrics (<c>--metrics-url</c>: .NET's <c>dotnet_gc_heap_total_allocated_bytes_total</c> and
/// <c>dotnet_gc_pause_time_seconds_total</c>, which this homeserver serves when its metrics are on). Unlike CPU time,
/// the bytes do not move with what else the machine runs: a change that allocates less shows at once. Null where the
/// URL is not given or does not serve the allocation counter (another homeserver).
/// </summary>
public readonly struct ServerAllocations
{
    private const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
    private const string Paused = "dotnet_gc_pause_time_seconds_total";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly (double Bytes, double? PauseSeconds) _start;

    private ServerAllocations(HttpClient http, Uri url, (double, double?) start) => (_http, _url, _start) = (http, url, start);

    public static async Task<ServerAllocations?> StartAsync(HttpClient http, Uri? url, CancellationToken cancellationToken) =>
        url is not null && await ReadAsync(http, url, cancellationToken) is { Bytes: { } bytes } read
            ? new ServerAllocations(http, url, (bytes, read.PauseSeconds))
            : null;

    /// <summary>
    /// Bytes allocated since the start (the scrape's own allocation included: some tens of KB), and the milliseconds the
    /// collector paused the server in that time (null where not served).
    /// </summary>
    public async Task<(double? Bytes, double? PauseMs)> ElapsedAsync(CancellationToken cancellationToken)
    {
        var now = await ReadAsync(_http, _url, cancellationToken);
        return (now.Bytes - _start.Bytes, (now.PauseSeconds - _start.PauseSeconds) * 1000);
    }

    private static async Task<(double? Bytes, double? PauseSeconds)> ReadAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        if (!response.IsSuccessStatusCode) return (null, null);
        double? bytes = null, pause = null;
        foreach (var line in (await response.Content.ReadAsStringAsync(cancellationToken)).Split('\n'))
        {
            if (line.StartsWith(Allocated, StringComparison.Ordinal)) bytes = Value(line);
            else if (line.StartsWith(Paused, StringComparison.Ordinal)) pause = Value(line);
        }

        return (bytes, pause);
    }

    private static double? Value(string line) =>
        double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
