using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;

namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// The sending loop of one destination: it runs while the destination's queue holds items, one transaction at a
/// time, and stops when the queue is empty. A failure backs the destination off (<see cref="RetryBackoff"/>) and the
/// same transaction is retried after the wait, or at once when the destination contacts us. A transaction the
/// destination refuses for good (a 4xx other than 401, 408 or 429) is dropped, so one bad item never stalls the queue.
/// Only this destination waits: each destination has its own loop.
/// </summary>
internal sealed class DestinationQueue(string destination, SenderContext context)
{
    private readonly Lock _gate = new();
    private bool _running;
    private bool _pending;
    private TaskCompletionSource _wake = NewSignal();
    private long _retryLastTs;
    private long _retryIntervalMs;
    private bool _retryLoaded;
    private long _persistedIntervalMs = -1;
    private Task _loop = Task.CompletedTask;
    private long _queuedItems;

    public string Destination { get; } = destination;

    /// <summary>When the destination is backed off: the time of the next attempt (ms); else null.</summary>
    public long? NextAttemptTs
    {
        get { lock (_gate) return _retryIntervalMs > 0 ? _retryLastTs + _retryIntervalMs : null; }
    }

    /// <summary>The running loop (completed when idle).</summary>
    public Task Loop
    {
        get { lock (_gate) return _loop; }
    }

    /// <summary>Items queued and not yet accepted: counted as they are added, recounted from the store by the loop.</summary>
    public long QueuedItems => Interlocked.Read(ref _queuedItems);

    /// <summary><paramref name="added"/> items were queued: make sure the loop runs and looks at the queue again.</summary>
    public void Notify(int added)
    {
        Interlocked.Add(ref _queuedItems, added);
        lock (_gate)
        {
            if (_running)
            {
                _pending = true;
                return;
            }

            _running = true;
            _pending = false;
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>The destination talked to us, so it is up: drop the backoff and retry now.</summary>
    public void Contacted()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            if (_retryIntervalMs == 0 && _retryLoaded) return;
            // Also before the timings were read: a destination that just talked to us is up, whatever the database says.
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
            await RecountAsync(stopping);
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await WaitForRetryAsync(stopping);
                    lock (_gate) _pending = false;
                    var transaction = await context.Store.NextTransactionAsync(Destination, stopping);
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
                    await RecountAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A fault of ours (the database, most likely): back off as if the destination had failed, and go on.
                    context.Logger.LogError(e, "The federation queue of {Destination} failed", Destination);
                    await RecordRetryAsync(NextInterval(), stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        lock (_gate) _running = false;
    }

    /// <summary>The timings survive restarts in the database; once read, the memory copy is the one that counts.</summary>
    private async Task LoadRetryAsync(CancellationToken stopping)
    {
        lock (_gate)
        {
            if (_retryLoaded) return;
        }

        var (lastTs, intervalMs) = await context.Store.GetRetryAsync(Destination, stopping);
        lock (_gate)
        {
            _persistedIntervalMs = intervalMs;
            if (_retryLoaded) return;
            (_retryLastTs, _retryIntervalMs, _retryLoaded) = (lastTs, intervalMs, true);
        }
    }

    // The store is the truth: coalesced EDUs and items queued before a restart are not in the running count.
    // Only the /metrics gauge reads the count: without metrics, no query after every transaction.
    private async Task RecountAsync(CancellationToken stopping)
    {
        if (context.CountsQueues) Interlocked.Exchange(ref _queuedItems, await context.Store.CountAsync(Destination, stopping));
    }

    private long NextInterval()
    {
        lock (_gate) return RetryBackoff.Next(_retryIntervalMs, context.MinRetryMs, context.MaxRetryMs, RetryBackoff.RandomJitter());
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

    private async Task SendAsync(OutboundTransaction transaction, CancellationToken stopping)
    {
        var body = new JsonObject
        {
            ["origin"] = context.ServerName,
            ["origin_server_ts"] = context.Now(),
            ["pdus"] = new JsonArray([.. await context.LoadPdusAsync(transaction.EventIds, stopping)]),
            ["edus"] = new JsonArray([.. transaction.Edus.Select(e => (JsonNode)new JsonObject { ["edu_type"] = e.Type, ["content"] = e.Content })]),
        };

        await context.Concurrency.WaitAsync(stopping);
        try
        {
            var path = $"/_matrix/federation/v1/send/{FederationPath.Segment(transaction.TxnId)}";
            var answer = await context.Client.PutJsonAsync(Destination, path, body, context.CallOptions, stopping);
            LogPduErrors(transaction.TxnId, answer);
            await context.Store.CompleteAsync(Destination, transaction.TxnId, stopping);
            await RecordRetryAsync(0, stopping);
        }
        catch (FederationException e) when (IsPermanent(e))
        {
            context.Logger.LogWarning("{Destination} refused transaction {TxnId} ({Pdus} PDUs, {Edus} EDUs) for good, dropping it: {Reason}",
                Destination, transaction.TxnId, transaction.EventIds.Count, transaction.Edus.Count, e.Message);
            await context.Store.CompleteAsync(Destination, transaction.TxnId, stopping);
            context.Metrics.FederationSendFailed(Destination);
        }
        catch (FederationException e)
        {
            context.Metrics.FederationSendFailed(Destination);
            var interval = NextInterval();
            context.Logger.LogInformation("Transaction {TxnId} to {Destination} failed, next attempt in {Interval} ms: {Reason}",
                transaction.TxnId, Destination, interval, e.Message);
            await RecordRetryAsync(interval, stopping);
        }
        finally
        {
            context.Concurrency.Release();
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

        await context.Store.SetRetryAsync(Destination, lastTs, intervalMs, stopping);
    }

    private void LogPduErrors(string txnId, JsonObject answer)
    {
        if (answer["pdus"] is not JsonObject results) return;
        foreach (var (eventId, result) in results)
        {
            if (result?["error"] is JsonValue error)
            {
                context.Logger.LogWarning("{Destination} did not accept {EventId} of transaction {TxnId}: {Error}", Destination, eventId, txnId, error.ToString());
            }
        }
    }

    /// <summary>Refusals a retry cannot fix: we will not talk to the server, or it answered a 4xx other than 401, 408 or 429.</summary>
    private static bool IsPermanent(FederationException e) =>
        e is FederationRefusedException || (e is FederationHttpException { StatusCode: >= 400 and < 500 and not (401 or 408 or 429) });

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
