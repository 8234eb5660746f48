using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.FederationSender;

/// <summary>What every destination's loop shares: the store, the client and its limits, the overall concurrency bound, the clock.</summary>
internal sealed class SenderContext(
    OutboxStore store, FederationClient client, ServerEventView view, Microsoft.EntityFrameworkCore.IDbContextFactory<HomeserverDbContext> dbs,
    Configuration.HomeserverOptions options, TimeProvider time, ILogger logger, Operations.HomeserverMetrics metrics, CancellationToken stopping) : IDisposable
{
    public Operations.HomeserverMetrics Metrics { get; } = metrics;
    public OutboxStore Store { get; } = store;
    public FederationClient Client { get; } = client;
    public ILogger Logger { get; } = logger;
    public string ServerName { get; } = options.ServerName;

    /// <summary>Whether /metrics is served, so that the queue-depth gauge is worth a count of the outbox.</summary>
    public bool CountsQueues { get; } = options.Metrics.Enabled;

    /// <summary>Transactions in flight at once, over all destinations.</summary>
    public SemaphoreSlim Concurrency { get; } = new(options.FederationEvents.SenderConcurrency);

    public FederationCallOptions CallOptions { get; } = new(Timeout: TimeSpan.FromSeconds(options.FederationEvents.SenderRequestTimeoutSeconds));

    public RetryingQueueSettings QueueSettings { get; } = new(time, logger, options.FederationEvents.SenderMinRetryMilliseconds,
        options.FederationEvents.SenderMaxRetryMilliseconds, stopping);

    public long Now() => QueueSettings.Now();

    /// <summary>The PDUs of a transaction in their federation form (redacted when a redaction applies by now).</summary>
    public async Task<List<JsonObject>> LoadPdusAsync(IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        if (eventIds.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await view.AsStoredAsync(db, eventIds, cancellationToken);
    }

    public void Dispose() => Concurrency.Dispose();
}
