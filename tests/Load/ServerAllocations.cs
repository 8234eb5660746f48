using System.Globalization;

namespace Matrix.Load;

/// <summary>
/// The bytes the server allocated on its managed heap over a phase, from its Prometheus metrics (<c>--metrics-url</c>:
/// .NET's <c>dotnet_gc_heap_total_allocated_bytes_total</c>, which this homeserver serves when its metrics are on).
/// Unlike CPU time, it does not move with what else the machine runs: a change that allocates less shows at once.
/// Null where the URL is not given or does not serve that counter (another homeserver).
/// </summary>
public readonly struct ServerAllocations
{
    private const string Counter = "dotnet_gc_heap_total_allocated_bytes_total";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly double _start;

    private ServerAllocations(HttpClient http, Uri url, double start) => (_http, _url, _start) = (http, url, start);

    public static async Task<ServerAllocations?> StartAsync(HttpClient http, Uri? url, CancellationToken cancellationToken) =>
        url is not null && await ReadAsync(http, url, cancellationToken) is { } bytes ? new ServerAllocations(http, url, bytes) : null;

    /// <summary>Bytes allocated since the start (the scrape's own allocation included: some tens of KB).</summary>
    public async Task<double?> ElapsedAsync(CancellationToken cancellationToken) => await ReadAsync(_http, _url, cancellationToken) - _start;

    private static async Task<double?> ReadAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        foreach (var line in (await response.Content.ReadAsStringAsync(cancellationToken)).Split('\n'))
        {
            if (!line.StartsWith(Counter, StringComparison.Ordinal)) continue;
            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes)) return bytes;
        }

        return null;
    }
}
