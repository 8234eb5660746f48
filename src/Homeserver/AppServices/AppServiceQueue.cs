using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// The sending loop of one application service: while its queue holds items it sends one transaction at a time, in
/// queue order. A failure (no answer, a timeout, any non-2xx) backs the AS off, doubling the wait up to a cap, and the
/// same transaction is retried; nothing is dropped. The AS using its as_token shows it is up: the wait ends at once.
/// Only this AS waits: each has its own loop, and sends never wait for any of them.
/// </summary>
internal sealed class AppServiceQueue(AppServiceRegistration appService, AppServiceSenderContext context)
{
    public const long MinRetryMs = 1_000;
    public const long MaxRetryMs = 5 * 60 * 1_000;

    private readonly Lock _gate = new();
    private bool _running;
    private bool _pending;
    private bool _retryLoaded;
    private long _retryLastTs;
    private long _retryIntervalMs;
    private long _persistedIntervalMs = -1;
    private TaskCompletionSource _wake = NewSignal();
    private Task _loop = Task.CompletedTask;

    public AppServiceRegistration AppService { get; } = appService;

    public Task Loop
    {
        get { lock (_gate) return _loop; }
    }

    /// <summary>Items were queued: make sure the loop runs and looks at the queue again.</summary>
    public void Notify()
    {
        lock (_gate)
        {
            if (_running)
            {
                _pending = true;
                return;
            }

            (_running, _pending) = (true, false);
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>The AS talked to us, so it is up: drop the backoff and retry now.</summary>
    public void Contacted()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            if (_retryIntervalMs == 0 && _retryLoaded) return;
            (_retryIntervalMs, _retryLoaded) = (0, true);
            wake = _wake;
            _wake = NewSignal();
        }

        wake.TrySetResult();
    }

    private async Task RunAsync()
    {
        var stopping = context.Stopping;
        try
        {
            await LoadRetryAsync(stopping);
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await WaitForRetryAsync(stopping);
                    lock (_gate) _pending = false;
                    var transaction = await context.Outbox.NextTransactionAsync(AppService.Id, stopping);
                    if (transaction is null)
                    {
                        lock (_gate)
                        {
                            if (_pending) continue;
                            _running = false;
                            return;
                        }
                    }

                    await SendAsync(transaction, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A fault of ours (the database, most likely): back off as if the AS had failed, and go on.
                    context.Logger.LogError(e, "The transaction queue of application service {AppService} failed", AppService.Id);
                    await RecordRetryAsync(NextInterval(), stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        lock (_gate) _running = false;
    }

    private async Task SendAsync(AppServiceTransaction transaction, CancellationToken stopping)
    {
        var body = new JsonObject { ["events"] = new JsonArray([.. await LoadEventsAsync(transaction.EventIds, stopping)]) };
        if (transaction.Ephemeral.Count > 0)
        {
            var ephemeral = new JsonArray([.. transaction.Ephemeral]);
            body["ephemeral"] = ephemeral;
            // MSC2409's name, which bridges written before the stable name still read.
            body["de.sorunome.msc2409.ephemeral"] = ephemeral.DeepClone();
        }

        try
        {
            await context.Client.PutAsync(AppService, $"/_matrix/app/v1/transactions/{Uri.EscapeDataString(transaction.TxnId)}", body, stopping);
            await context.Outbox.CompleteAsync(AppService.Id, transaction.TxnId, stopping);
            await RecordRetryAsync(0, stopping);
        }
        catch (AppServiceCallException e)
        {
            var interval = NextInterval();
            context.Logger.LogInformation("Transaction {TxnId} to application service {AppService} failed, next attempt in {Interval} ms: {Reason}",
                transaction.TxnId, AppService.Id, interval, e.Message);
            await RecordRetryAsync(interval, stopping);
        }
    }

    /// <summary>The events in client format, as the AS's sender would see them (redacted when redacted by now).</summary>
    private async Task<List<JsonObject>> LoadEventsAsync(IReadOnlyList<string> eventIds, CancellationToken stopping)
    {
        if (eventIds.Count == 0) return [];
        await using var db = await context.Dbs.CreateDbContextAsync(stopping);
        return await context.Events.LoadAsync(db, eventIds, requester: null, Aggregations.None, stopping);
    }

    private async Task LoadRetryAsync(CancellationToken stopping)
    {
        lock (_gate)
        {
            if (_retryLoaded) return;
        }

        var (lastTs, intervalMs) = await context.Outbox.GetRetryAsync(AppService.Id, stopping);
        lock (_gate)
        {
            _persistedIntervalMs = intervalMs;
            if (_retryLoaded) return;
            (_retryLastTs, _retryIntervalMs, _retryLoaded) = (lastTs, intervalMs, true);
        }
    }

    private long NextInterval()
    {
        lock (_gate) return RetryBackoff.Next(_retryIntervalMs, MinRetryMs, MaxRetryMs, RetryBackoff.RandomJitter());
    }

    private async Task WaitForRetryAsync(CancellationToken stopping)
    {
        while (true)
        {
            Task woken;
            long remaining;
            lock (_gate)
            {
                if (_retryIntervalMs == 0) return;
                remaining = _retryLastTs + _retryIntervalMs - context.Now();
                if (remaining <= 0) return;
                woken = _wake.Task;
            }

            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(remaining), context.Time, stopping), woken);
            stopping.ThrowIfCancellationRequested();
        }
    }

    private async Task RecordRetryAsync(long intervalMs, CancellationToken stopping)
    {
        long lastTs;
        lock (_gate)
        {
            _retryIntervalMs = intervalMs;
            _retryLastTs = intervalMs == 0 ? 0 : context.Now();
            if (intervalMs == 0 && _persistedIntervalMs == 0) return;
            _persistedIntervalMs = intervalMs;
            lastTs = _retryLastTs;
        }

        await context.Outbox.SetRetryAsync(AppService.Id, lastTs, intervalMs, stopping);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
