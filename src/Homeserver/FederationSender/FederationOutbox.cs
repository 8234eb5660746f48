using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;
using Matrix.Federation.Transport.Security;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// Sends our PDUs and EDUs to other servers. Everything is queued durably per destination (<see cref="OutboxStore"/>)
/// and sent by one loop per destination (<see cref="DestinationQueue"/>) in transactions of at most 50 PDUs and 100
/// EDUs, with at most <c>SenderConcurrency</c> transactions in flight overall. At start it resumes every queue left
/// over and queues local events it had not queued yet (<see cref="SenderCatchUp"/>). A destination that contacts us
/// is retried at once.
/// </summary>
public sealed class FederationOutbox : IHostedService, IDisposable
{
    private readonly OutboxStore _store;
    private readonly SenderCatchUp _catchUp;
    private readonly FederationDomainPolicy _domains;
    private readonly ServerContactSignal _contacts;
    private readonly HomeserverOptions _options;
    private readonly ILogger<FederationOutbox> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SenderContext _context;
    private readonly ConcurrentDictionary<string, DestinationQueue> _queues = new(StringComparer.Ordinal);

    public FederationOutbox(OutboxStore store, SenderCatchUp catchUp, FederationClient client, ServerEventView view, IDbContextFactory<HomeserverDbContext> dbs,
        FederationDomainPolicy domains, ServerContactSignal contacts, HomeserverOptions options, TimeProvider time, ILogger<FederationOutbox> logger,
        Operations.HomeserverMetrics metrics)
    {
        _store = store;
        _catchUp = catchUp;
        _domains = domains;
        _contacts = contacts;
        _options = options;
        _logger = logger;
        _context = new SenderContext(store, client, view, dbs, options, time, logger, metrics, _stopping.Token);
    }

    /// <summary>Queues PDUs for their destinations and records that local events up to <paramref name="position"/> are queued.</summary>
    public async Task EnqueuePdusAsync(IEnumerable<(string Destination, string EventId)> items, long? position, CancellationToken cancellationToken)
    {
        var wanted = items.Where(i => ShouldSendTo(i.Destination)).Distinct().ToList();
        if (wanted.Count == 0) return;
        await _store.AddPdusAsync(wanted, position, cancellationToken);
        foreach (var perDestination in wanted.GroupBy(i => i.Destination, StringComparer.Ordinal)) QueueOf(perDestination.Key).Notify(perDestination.Count());
    }

    /// <summary>
    /// Queues an EDU for a destination. With a <paramref name="coalescingKey"/> (typing: the room and user; presence:
    /// the user) a newer EDU replaces the queued one of the same type and key that has not been sent yet.
    /// </summary>
    public async Task EnqueueEduAsync(string destination, string eduType, JsonObject content, string? coalescingKey = null, CancellationToken cancellationToken = default)
    {
        if (!ShouldSendTo(destination)) return;
        await _store.AddEduAsync(destination, eduType, content, coalescingKey, cancellationToken);
        QueueOf(destination).Notify(1);
    }

    /// <summary>When the next attempt to a backed-off destination is due (ms since the epoch); null when it is not backed off.</summary>
    public long? NextAttemptTs(string destination) => _queues.TryGetValue(destination, out var queue) ? queue.NextAttemptTs : null;

    /// <summary>Items queued per destination with a loop this run (the matrix_federation_queue_depth gauge).</summary>
    public IEnumerable<(string Destination, long Items)> QueueDepths() => _queues.Values.Select(q => (q.Destination, q.QueuedItems));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _contacts.Contacted += OnContacted;
        if (!_options.Federation.Enabled) return;
        await EnqueuePdusAsync(await _catchUp.FindUnqueuedAsync(cancellationToken), null, cancellationToken);
        await _catchUp.MarkDoneAsync(cancellationToken);
        foreach (var destination in await _store.DestinationsWithWorkAsync(cancellationToken))
        {
            if (ShouldSendTo(destination)) QueueOf(destination).Notify(0);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _contacts.Contacted -= OnContacted;
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_queues.Values.Select(q => q.Loop)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Stopped before every federation queue finished its current request");
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _context.Dispose();
    }

    private void OnContacted(string serverName)
    {
        if (_queues.TryGetValue(serverName, out var queue)) queue.Contacted();
    }

    private bool ShouldSendTo(string destination) =>
        _options.Federation.Enabled && destination != _options.ServerName && _domains.IsAllowed(destination);

    private DestinationQueue QueueOf(string destination) => _queues.GetOrAdd(destination, d => new DestinationQueue(d, _context));
}
