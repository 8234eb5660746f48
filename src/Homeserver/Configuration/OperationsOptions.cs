using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Homeserver:Metrics: the Prometheus endpoint.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve /metrics at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A listener of its own for /metrics (e.g. http://127.0.0.1:9000), which serves nothing else. Unset: /metrics is
    /// served on the client listener, to loopback connections that were not forwarded by a proxy.
    /// </summary>
    public string? Listener { get; set; }
}

public enum LogFormat
{
    Text,
    Json,
}

/// <summary>Homeserver:Logging: how log lines are written to the console (levels stay under Logging:LogLevel).</summary>
public sealed class LogOptions
{
    public LogFormat Format { get; set; } = LogFormat.Text;
}

/// <summary>Homeserver:Tracing: OpenTelemetry traces.</summary>
public sealed class TracingOptions
{
    /// <summary>The OTLP collector traces are exported to (e.g. http://127.0.0.1:4317). Empty: tracing is off.</summary>
    public string? OtlpEndpoint { get; set; }
}

/// <summary>Start-up checks of Homeserver:Metrics and Homeserver:Tracing.</summary>
internal sealed class OperationsOptionsValidator : AbstractValidator<HomeserverOptions>
{
    public OperationsOptionsValidator()
    {
        RuleFor(o => o.Metrics.Listener)
            .Must(IsPlainListenerUrl!)
            .When(o => !string.IsNullOrEmpty(o.Metrics.Listener))
            .WithMessage(o => $"'{o.Metrics.Listener}' is not an http://HOST:PORT URL (HOST an IP literal, localhost or 0.0.0.0)");
        RuleFor(o => o.Metrics.Listener)
            .Must((o, url) => !SamePort(url!, o.Listeners.Client.Url) && !SamePort(url!, o.Listeners.Federation.Url))
            .When(o => !string.IsNullOrEmpty(o.Metrics.Listener) && IsPlainListenerUrl(o.Metrics.Listener!))
            .WithMessage("must use a port of its own, not the client's or the federation listener's");
        RuleFor(o => o.Tracing.OtlpEndpoint)
            .Must(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            .When(o => !string.IsNullOrEmpty(o.Tracing.OtlpEndpoint))
            .WithMessage(o => $"'{o.Tracing.OtlpEndpoint}' is not an absolute http(s) URL");
    }

    // Plain http: the listener is for a scraper on the host or the private network, and has no certificate setting.
    private static bool IsPlainListenerUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/"
        && (uri.Host is "localhost" or "0.0.0.0" || System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out _));

    // Port 0 asks for any free port, so two of them never collide.
    private static bool SamePort(string url, string? other) =>
        other is not null && Uri.TryCreate(other, UriKind.Absolute, out var o) && new Uri(url).Port is var port && port != 0 && port == o.Port;
}
