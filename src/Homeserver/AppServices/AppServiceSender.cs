using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// Pushes events to application services (spec: "Pushing events"). Everything is queued durably per AS
/// (<see cref="AppServiceOutbox"/>) and sent by one loop per AS (<see cref="AppServiceQueue"/>). At start it queues
/// the events persisted but never looked at (<see cref="AppServiceCatchUp"/>) and resumes every queue left over.
/// An AS without a URL gets nothing.
/// </summary>
public sealed class AppServiceSender : IHostedService, IDisposable
{
    private readonly AppServiceRegistry _registry;
    private readonly AppServiceOutbox _outbox;
    private readonly AppServiceCatchUp _catchUp;
    private readonly ILogger<AppServiceSender> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly AppServiceSenderContext _context;
    private readonly ConcurrentDictionary<string, AppServiceQueue> _queues = new(StringComparer.Ordinal);

    public AppServiceSender(AppServiceRegistry registry, AppServiceOutbox outbox, AppServiceCatchUp catchUp, AppServiceClient client, ClientEventLoader events,
        IDbContextFactory<HomeserverDbContext> dbs, TimeProvider time, ILogger<AppServiceSender> logger)
    {
        _registry = registry;
        _outbox = outbox;
        _catchUp = catchUp;
        _logger = logger;
        _context = new AppServiceSenderContext(outbox, client, events, dbs, time, logger, _stopping.Token);
    }

    /// <summary>Whether any AS can be pushed to (has a URL): when none, nothing is looked at or queued.</summary>
    public bool Enabled => _registry.All.Any(a => a.Url is not null);

    /// <summary>Queues events for the ASes and records that events up to <paramref name="position"/> have been looked at.</summary>
    public async Task EnqueueEventsAsync(IReadOnlyCollection<(string AppServiceId, string EventId)> items, long? position, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        await _outbox.AddEventsAsync(items, position, cancellationToken);
        foreach (var id in items.Select(i => i.AppServiceId).Distinct(StringComparer.Ordinal)) QueueOf(id)?.Notify();
    }

    /// <summary>Queues an ephemeral event (typing, receipt, presence) for an AS that asked for them.</summary>
    public async Task EnqueueEphemeralAsync(AppServiceRegistration appService, JsonObject ephemeral, CancellationToken cancellationToken)
    {
        if (appService.Url is null || !appService.ReceiveEphemeral) return;
        await _outbox.AddEphemeralAsync(appService.Id, ephemeral, cancellationToken);
        QueueOf(appService.Id)?.Notify();
    }

    /// <summary>The AS made a request with its as_token: it is up, so a backed-off queue retries now.</summary>
    public void Contacted(string appServiceId)
    {
        if (_queues.TryGetValue(appServiceId, out var queue)) queue.Contacted();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled) return;
        var (items, position) = await _catchUp.FindUnqueuedAsync(cancellationToken);
        if (items.Count > 0) await _outbox.AddEventsAsync(items, position, cancellationToken);
        await _catchUp.MarkDoneAsync(position, cancellationToken);
        foreach (var id in await _outbox.WithWorkAsync(cancellationToken)) QueueOf(id)?.Notify();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_queues.Values.Select(q => q.Loop)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Stopped before every application service queue finished its current request");
        }
    }

    public void Dispose() => _stopping.Dispose();

    // Queued items of an AS no longer registered stay in the table (it may come back); they are not sent.
    private AppServiceQueue? QueueOf(string appServiceId) =>
        _registry.ById(appServiceId) is { Url: not null } appService ? _queues.GetOrAdd(appServiceId, _ => new AppServiceQueue(appService, _context)) : null;
}
