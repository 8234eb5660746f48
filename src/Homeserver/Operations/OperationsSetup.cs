using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Streams;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Matrix.Homeserver.Operations;

/// <summary>Logs, metrics and traces: what an operator watches the server with.</summary>
public static class OperationsSetup
{
    /// <summary>Npgsql's meter and activity source: connection pool use, command durations, one span per command.</summary>
    private const string Npgsql = "Npgsql";

    /// <summary>
    /// Meters whose instruments carry a few attributes at most (a generation, a pool, a listener). A metric stream
    /// allocates all its points up front, 2 000 by default (~144 KB a stream, ~6.6 MB over the server's streams); these
    /// get <see cref="FewPoints"/>. The requests' (route, method, status), the outgoing requests' (a server each) and ours
    /// (a federation destination each) keep the default.
    /// </summary>
    private static readonly HashSet<string> LowCardinalityMeters =
        ["System.Runtime", "Microsoft.EntityFrameworkCore", Npgsql, "Microsoft.AspNetCore.Server.Kestrel"];

    private const int FewPoints = 100;

    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder, HomeserverOptions options)
    {
        ConfigureLogging(builder.Logging, options.Logging, tracing: options.Tracing.OtlpEndpoint is { Length: > 0 });
        builder.Services.AddSingleton<HomeserverMetrics>();
        builder.Services.AddHostedService<IdleCollector>();
        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("matrix-homeserver"));
        if (options.Metrics.Enabled)
        {
            builder.Services.AddHostedService<GaugeRegistration>();
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(HomeserverMetrics.MeterName, Npgsql, "Microsoft.EntityFrameworkCore", "System.Net.Http")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddView(instrument => LowCardinalityMeters.Contains(instrument.Meter.Name) ? new MetricStreamConfiguration { CardinalityLimit = FewPoints } : null)
                // Prometheus pulls: every scrape reads the current values, none is served from a cache.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }

        if (options.Tracing.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            // Query strings are recorded with their values replaced ("Redacted") by the ASP.NET Core and HttpClient
            // instrumentations, so an access_token in a URL never reaches the collector.
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != MetricsEndpoint.Path)
                .AddHttpClientInstrumentation()
                .AddSource(Npgsql)
                .AddOtlpExporter(o => o.Endpoint = new Uri(endpoint)));
        }

        return builder;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LogOptions options, bool tracing)
    {
        // Trace and span IDs in every line's scope serve to find a request's spans; without a collector they name
        // nothing (the RequestId scope still ties a request's lines together), and formatting them took a tenth of
        // what a woken /sync allocated.
        if (!tracing) logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.None);
        // ASP.NET Core's request lines carry the raw query string, access_token included; RequestLogging writes them
        // redacted instead. Warning and above (errors, bad requests) still come through. This rule is the most specific
        // for its category, so Logging:LogLevel settings cannot lower it.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        if (options.Format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            });
        }

        // The console formatters and options stay the stock ones; their lines are written in batches (see the provider).
        foreach (var stock in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(stock);
        }

        logging.Services.AddSingleton<ILoggerProvider, BatchedConsoleLoggerProvider>();
    }

    /// <summary>Hooks the gauges to their sources once the services exist (the outbox itself reports to the metrics).</summary>
    private sealed class GaugeRegistration(HomeserverMetrics metrics, SyncNotifier notifier, FederationOutbox outbox) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            metrics.ObserveGauges(() => notifier.Waiters, outbox.QueueDepths);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
