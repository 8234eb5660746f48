using System.Globalization;
using System.Net.Http.Headers;

namespace Matrix.Federation.Transport.Discovery;

/// <summary>How long a /.well-known/matrix/server answer is kept (spec: respect cache headers, 24 h default, 48 h cap).</summary>
public static class WellKnownCachePeriod
{
    public static readonly TimeSpan Default = TimeSpan.FromHours(24);
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Maximum = TimeSpan.FromHours(48);

    /// <summary>An invalid or missing file (404, bad JSON, no m.server) is remembered this long.</summary>
    public static readonly TimeSpan Invalid = TimeSpan.FromHours(1);

    /// <summary>A temporary failure of a server that recently had a valid file is retried sooner (as Synapse).</summary>
    public static readonly TimeSpan Down = TimeSpan.FromMinutes(2);

    /// <summary>How long after its expiry a valid answer still counts as "recently valid".</summary>
    public static readonly TimeSpan RememberHadValid = TimeSpan.FromHours(2);

    /// <summary>Defaults are spread by ±10% so answers cached at start-up do not all expire together.</summary>
    public const double Jitter = 0.1;

    /// <summary>
    /// The period from Cache-Control (no-store, max-age) or Expires, clamped to [5 min, 48 h], or
    /// <see cref="Default"/> with jitter when neither is present. An unparseable Expires means "already expired".
    /// </summary>
    public static TimeSpan FromHeaders(HttpResponseHeaders headers, HttpContentHeaders? content, DateTimeOffset now) =>
        FromHeaderValues(headers.TryGetValues("Cache-Control", out var cc) ? cc : [], ExpiresValue(headers, content), now) is { } period
            ? Clamp(period)
            : WithJitter(Default);

    /// <summary>The raw period the headers ask for, or null when they say nothing.</summary>
    public static TimeSpan? FromHeaderValues(IEnumerable<string> cacheControl, string? expires, DateTimeOffset now)
    {
        var directives = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in cacheControl)
        {
            foreach (var directive in header.Split(','))
            {
                var parts = directive.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts[0].Length > 0) directives[parts[0]] = parts.Length > 1 ? parts[1].Trim('"') : null;
            }
        }

        if (directives.ContainsKey("no-store")) return TimeSpan.Zero;
        if (directives.TryGetValue("max-age", out var maxAge) && long.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)Maximum.TotalSeconds * 2));
        }

        if (expires is null) return null;
        return DateTimeOffset.TryParseExact(expires, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && date > now
            ? date - now
            : TimeSpan.Zero;
    }

    public static TimeSpan Clamp(TimeSpan period) => period < Minimum ? Minimum : period > Maximum ? Maximum : period;

    public static TimeSpan WithJitter(TimeSpan period) => period * (1 - Jitter + (Random.Shared.NextDouble() * 2 * Jitter));

    private static string? ExpiresValue(HttpResponseHeaders headers, HttpContentHeaders? content)
    {
        if (content is not null && content.TryGetValues("Expires", out var values)) return values.LastOrDefault();
        return headers.TryGetValues("Expires", out values) ? values.LastOrDefault() : null;
    }
}
