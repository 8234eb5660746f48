using System.Diagnostics.Metrics;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// The server's own instruments, on the meter <see cref="MeterName"/>. Prometheus sees them as
/// <c>matrix_events_persisted_total{origin}</c>, <c>matrix_federation_send_failures_total{destination}</c>,
/// <c>matrix_sync_computations_total{source}</c>, <c>matrix_sync_waiters</c> and <c>matrix_federation_queue_depth{destination}</c>. Counting costs nothing
/// measurable when metrics are off: no listener is attached then.
/// </summary>
public sealed class HomeserverMetrics
{
    public const string MeterName = "Matrix.Homeserver";

    private readonly Meter _meter;
    private readonly Counter<long> _eventsPersisted;
    private readonly Counter<long> _federationSendFailures;
    private readonly Counter<long> _syncComputations;

    public HomeserverMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _eventsPersisted = _meter.CreateCounter<long>("matrix.events.persisted", "{event}",
            "Room events persisted, by origin: local (built here) or remote (received over federation).");
        _federationSendFailures = _meter.CreateCounter<long>("matrix.federation.send.failures", "{transaction}",
            "Outbound federation transactions that failed (and will be retried or were refused), by destination.");
        _syncComputations = _meter.CreateCounter<long>("matrix.sync.computations", "{computation}",
            "/sync answers computed, by source: memory (caches alone) or database (at least one query).");
    }

    public void EventsPersisted(int count, bool local) =>
        _eventsPersisted.Add(count, new KeyValuePair<string, object?>("origin", local ? "local" : "remote"));

    public void SyncComputed(bool readDatabase) =>
        _syncComputations.Add(1, new KeyValuePair<string, object?>("source", readDatabase ? "database" : "memory"));

    public void FederationSendFailed(string destination) =>
        _federationSendFailures.Add(1, new KeyValuePair<string, object?>("destination", destination));

    /// <summary>Registers the gauges read at each scrape; their sources are services that themselves report here.</summary>
    public void ObserveGauges(Func<int> syncWaiters, Func<IEnumerable<(string Destination, long Items)>> federationQueues)
    {
        _meter.CreateObservableGauge("matrix.sync.waiters", syncWaiters, "{request}", "/sync long-polls waiting for a change.");
        _meter.CreateObservableGauge("matrix.federation.queue.depth",
            () => federationQueues().Select(q => new Measurement<long>(q.Items, new KeyValuePair<string, object?>("destination", q.Destination))),
            "{item}", "PDUs and EDUs queued for a destination and not yet accepted by it.");
    }
}
