using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Transport.Discovery;

/// <summary>
/// Fetches and caches <c>https://&lt;hostname&gt;/.well-known/matrix/server</c> (spec "Resolving server names",
/// step 3), with Synapse's caching rules: answers kept per their cache headers within [5 min, 48 h] (24 h by
/// default), refreshed early in the last 20% of their life; invalid files remembered 1 h; a temporary failure
/// keeps serving the previous answer, and a host that recently had a valid file is retried after 2 min. At
/// most one fetch per host runs at a time.
/// </summary>
public sealed class WellKnownResolver : IDisposable
{
    public const int MaxBodyBytes = 50 * 1024;
    public const int MaxRedirects = 5;
    private const double GracePeriodFactor = 0.2;
    private const int AttemptsWhenHadValid = 3;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _hadValidUntil = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _inFlight = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="handler">Must not follow redirects itself (they are followed here, each hop checked).</param>
    public WellKnownResolver(HttpMessageHandler handler, TimeProvider time)
    {
        _http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _time = time;
    }

    /// <summary>Time allowed for one fetch (each redirect hop included).</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts for a host that recently had a valid file.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The delegated server name (m.server), or null when the host has no valid file.</summary>
    public Task<string?> GetDelegatedServerAsync(string hostname, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(hostname, out var cached) && now < cached.RefreshAt) return Task.FromResult(cached.Result);

        // One fetch per host; callers that arrive meanwhile share it. The fetch is not tied to one caller's token.
        var lazy = _inFlight.GetOrAdd(hostname, h => new Lazy<Task<string?>>(() => RefreshAsync(h)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<string?> RefreshAsync(string hostname)
    {
        try
        {
            _cache.TryGetValue(hostname, out var previous);
            var hadValid = _hadValidUntil.TryGetValue(hostname, out var until) && until > _time.GetUtcNow();
            var outcome = await FetchAsync(hostname, hadValid);
            var now = _time.GetUtcNow();
            string? result;
            TimeSpan period;
            if (outcome.Kind == OutcomeKind.Valid)
            {
                (result, period) = (outcome.Server, outcome.CachePeriod);
                _hadValidUntil[hostname] = now + period + WellKnownCachePeriod.RememberHadValid;
            }
            else if (outcome.Kind == OutcomeKind.Temporary && previous is { Result: not null } && now < previous.ExpiresAt)
            {
                // Keep serving the still-valid answer; ask again in a little while rather than on every request.
                _cache[hostname] = previous with { RefreshAt = Min(now + WellKnownCachePeriod.Down, previous.ExpiresAt) };
                return previous.Result;
            }
            else
            {
                result = null;
                period = WellKnownCachePeriod.WithJitter(hadValid ? WellKnownCachePeriod.Down : WellKnownCachePeriod.Invalid);
            }

            _cache[hostname] = new CacheEntry(result, now + (period * (1 - GracePeriodFactor)), now + period);
            return result;
        }
        finally
        {
            _inFlight.TryRemove(hostname, out _);
        }
    }

    private async Task<Outcome> FetchAsync(string hostname, bool hadValid)
    {
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await FetchOnceAsync(hostname);
            if (outcome.Kind != OutcomeKind.Temporary || outcome.TooLarge || !hadValid || attempt >= AttemptsWhenHadValid) return outcome;
            await Task.Delay(RetryDelay, _time);
        }
    }

    private async Task<Outcome> FetchOnceAsync(string hostname)
    {
        using var timeout = new CancellationTokenSource(FetchTimeout, _time);
        var uri = new Uri($"https://{hostname}/.well-known/matrix/server");
        var visited = new HashSet<Uri>();
        try
        {
            for (var hop = 0; ; hop++)
            {
                using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    // Only https, no loops, and a bounded chain.
                    if (hop >= MaxRedirects || next.Scheme != Uri.UriSchemeHttps || !visited.Add(next)) return Outcome.Invalid;
                    uri = next;
                    continue;
                }

                if ((int)response.StatusCode >= 500) return Outcome.Temporary();
                var body = await BoundedContent.ReadAsync(response.Content, MaxBodyBytes, timeout.Token);
                if (body is null) return Outcome.Temporary(tooLarge: true);
                if (response.StatusCode != HttpStatusCode.OK) return Outcome.Invalid;
                return Parse(body) is { } server
                    ? new Outcome(OutcomeKind.Valid, server, WellKnownCachePeriod.FromHeaders(response.Headers, response.Content.Headers, _time.GetUtcNow()))
                    : Outcome.Invalid;
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return Outcome.Temporary();
        }
    }

    /// <summary>m.server when the body is a JSON object holding a valid server name there.</summary>
    internal static string? Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("m.server", out var server)
                && server.ValueKind == JsonValueKind.String
                && ServerName.IsValid(server.GetString())
                ? server.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    private sealed record CacheEntry(string? Result, DateTimeOffset RefreshAt, DateTimeOffset ExpiresAt);

    private enum OutcomeKind
    {
        Valid,
        Invalid,
        Temporary,
    }

    private sealed record Outcome(OutcomeKind Kind, string? Server = null, TimeSpan CachePeriod = default, bool TooLarge = false)
    {
        public static readonly Outcome Invalid = new(OutcomeKind.Invalid);

        public static Outcome Temporary(bool tooLarge = false) => new(OutcomeKind.Temporary, TooLarge: tooLarge);
    }
}
