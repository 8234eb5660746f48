namespace Matrix.Homeserver.FederationSender;

/// <summary>What a <see cref="RetryingQueue{T}"/> needs around it: the clock, the log, the backoff bounds, shutdown.</summary>
internal sealed record RetryingQueueSettings(TimeProvider Time, ILogger Logger, long MinRetryMs, long MaxRetryMs, CancellationToken Stopping)
{
    public long Now() => Time.GetUtcNow().ToUnixTimeMilliseconds();
}

/// <summary>
/// The sending loop of one peer (a federation destination, an application service): it runs while the peer's durable
/// queue holds transactions, sends one at a time in queue order, and stops when the queue is empty. A failure backs
/// the peer off (<see cref="RetryBackoff"/>) and the same transaction is retried after the wait, or at once when the
/// peer contacts us. The timings survive restarts in the store; once read, the memory copy is the one that counts.
/// Only this peer waits: each has its own loop.
/// </summary>
internal abstract class RetryingQueue<TTransaction>(RetryingQueueSettings settings)
    where TTransaction : class
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

    protected RetryingQueueSettings Settings { get; } = settings;

    /// <summary>When the peer is backed off: the time of the next attempt (ms); else null.</summary>
    public long? NextAttemptTs
    {
        get { lock (_gate) return _retryIntervalMs > 0 ? _retryLastTs + _retryIntervalMs : null; }
    }

    /// <summary>The running loop (completed when idle).</summary>
    public Task Loop
    {
        get { lock (_gate) return _loop; }
    }

    /// <summary>Transactions were queued: make sure the loop runs and looks at the queue again.</summary>
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

    /// <summary>The peer talked to us, so it is up: drop the backoff and retry now.</summary>
    public void Contacted()
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            if (_retryIntervalMs == 0 && _retryLoaded) return;
            // Also before the timings were read: a peer that just talked to us is up, whatever the database says.
            (_retryIntervalMs, _retryLoaded) = (0, true);
            wake = _wake;
            _wake = NewSignal();
        }

        wake.TrySetResult();
    }

    protected abstract Task<(long LastTs, long IntervalMs)> GetRetryAsync(CancellationToken stopping);

    protected abstract Task SetRetryAsync(long lastTs, long intervalMs, CancellationToken stopping);

    /// <summary>The oldest queued transaction, or null when the queue is empty.</summary>
    protected abstract Task<TTransaction?> NextTransactionAsync(CancellationToken stopping);

    /// <summary>Sends it; ends with <see cref="SucceededAsync"/> or <see cref="FailedAsync"/> (or drops it from the store).</summary>
    protected abstract Task SendAsync(TTransaction transaction, CancellationToken stopping);

    /// <summary>Runs when the loop starts and after each transaction.</summary>
    protected virtual Task AfterStepAsync(CancellationToken stopping) => Task.CompletedTask;

    protected abstract void LogLoopFailure(Exception e);

    protected Task SucceededAsync(CancellationToken stopping) => RecordRetryAsync(0, stopping);

    /// <summary>Backs the peer off; returns the wait (ms) before the next attempt.</summary>
    protected async Task<long> FailedAsync(CancellationToken stopping)
    {
        var interval = NextInterval();
        await RecordRetryAsync(interval, stopping);
        return interval;
    }

    private async Task RunAsync()
    {
        var stopping = Settings.Stopping;
        try
        {
            await LoadRetryAsync(stopping);
            await AfterStepAsync(stopping);
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await WaitForRetryAsync(stopping);
                    lock (_gate) _pending = false;
                    var transaction = await NextTransactionAsync(stopping);
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
                    await AfterStepAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A fault of ours (the database, most likely): back off as if the peer had failed, and go on.
                    LogLoopFailure(e);
                    await FailedAsync(stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        lock (_gate) _running = false;
    }

    private async Task LoadRetryAsync(CancellationToken stopping)
    {
        lock (_gate)
        {
            if (_retryLoaded) return;
        }

        var (lastTs, intervalMs) = await GetRetryAsync(stopping);
        lock (_gate)
        {
            _persistedIntervalMs = intervalMs;
            if (_retryLoaded) return;
            (_retryLastTs, _retryIntervalMs, _retryLoaded) = (lastTs, intervalMs, true);
        }
    }

    private long NextInterval()
    {
        lock (_gate) return RetryBackoff.Next(_retryIntervalMs, Settings.MinRetryMs, Settings.MaxRetryMs, RetryBackoff.RandomJitter());
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
                remaining = _retryLastTs + _retryIntervalMs - Settings.Now();
                if (remaining <= 0) return;
                woken = _wake.Task;
            }

            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(remaining), Settings.Time, stopping), woken);
            stopping.ThrowIfCancellationRequested();
        }
    }

    private async Task RecordRetryAsync(long intervalMs, CancellationToken stopping)
    {
        long lastTs;
        lock (_gate)
        {
            _retryIntervalMs = intervalMs;
            _retryLastTs = intervalMs == 0 ? 0 : Settings.Now();
            if (intervalMs == 0 && _persistedIntervalMs == 0) return;
            _persistedIntervalMs = intervalMs;
            lastTs = _retryLastTs;
        }

        await SetRetryAsync(lastTs, intervalMs, stopping);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
