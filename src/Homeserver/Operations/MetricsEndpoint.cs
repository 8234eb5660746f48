using System.Net;
using Matrix.Homeserver.Configuration;
using OpenTelemetry.Exporter;

namespace Matrix.Homeserver.Operations;

/// <summary>Set on every connection accepted by the metrics listener.</summary>
public sealed class MetricsListenerFeature
{
    public static readonly MetricsListenerFeature Instance = new();

    private MetricsListenerFeature()
    {
    }
}

/// <summary>Marks the /metrics endpoint.</summary>
public sealed class MetricsEndpointMetadata
{
    public static readonly MetricsEndpointMetadata Instance = new();

    private MetricsEndpointMetadata()
    {
    }
}

/// <summary>
/// Where /metrics is served. With Homeserver:Metrics:Listener: there, and that listener serves nothing else. Without
/// one: on the client listener, to loopback peers only, and never to a request a proxy forwarded (X-Forwarded-For,
/// Forwarded or X-Real-IP), because a reverse proxy on the same host connects from loopback for every client on the
/// internet. Metrics tell who federates with whom and how busy the server is, so they are not public. Refused
/// requests answer as an unknown route (404 M_UNRECOGNIZED).
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Tags the connections of the metrics listener (call in its ListenOptions).</summary>
    public static void MarkMetricsListener(this Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) =>
        listen.Use(next => connection =>
        {
            connection.Features.Set(MetricsListenerFeature.Instance);
            return next(connection);
        });

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app, MetricsOptions options)
    {
        if (options.Enabled)
        {
            // The scrape itself is left out of the request metrics it reports.
            app.MapPrometheusScrapingEndpoint(Path).WithMetadata(MetricsEndpointMetadata.Instance).DisableHttpMetrics();
        }

        return app;
    }

    /// <summary>After UseRouting: drops the matched endpoint when this connection may not have it.</summary>
    public static IApplicationBuilder UseMetricsListenerRouting(this IApplicationBuilder app, MetricsOptions options)
    {
        var separate = options.Enabled && !string.IsNullOrEmpty(options.Listener);
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint() is { } endpoint)
            {
                var isMetrics = endpoint.Metadata.GetMetadata<MetricsEndpointMetadata>() is not null;
                var onMetricsListener = context.Features.Get<MetricsListenerFeature>() is not null;
                var served = isMetrics ? (separate ? onMetricsListener : IsLocalUnproxied(context)) : !onMetricsListener;
                if (!served) context.SetEndpoint(null);
            }

            return next(context);
        });
    }

    private static bool IsLocalUnproxied(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer)
        && !context.Request.Headers.ContainsKey("X-Forwarded-For")
        && !context.Request.Headers.ContainsKey("Forwarded")
        && !context.Request.Headers.ContainsKey("X-Real-IP");
}
