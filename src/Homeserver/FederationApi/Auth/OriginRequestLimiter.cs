using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.FederationApi.Auth;

/// <summary>
/// At most <see cref="FederationOptions.ConcurrentRequestsPerServer"/> authenticated requests of one server run at once
/// (Synapse's <c>rc_federation.concurrent</c>, 3); the next ones wait their turn in arrival order, and beyond
/// <see cref="FederationOptions.QueuedRequestsPerServer"/> waiting ones a request is refused with 429: one server, however
/// many requests it opens (expensive state or backfill reads included), cannot take the database and the cores from
/// local users and other servers. Transactions are one at a time per server anyway (<c>InboundTransactions</c>).
/// </summary>
public sealed class OriginRequestLimiter(HomeserverOptions options)
{
    /// <summary>How long a refused server is told to wait.</summary>
    private const long RetryAfterMs = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Origin> _origins = new(StringComparer.Ordinal);

    /// <summary>Waits for a turn of <paramref name="origin"/>; the lease gives it back. 429 when too many already wait.</summary>
    public async ValueTask<IDisposable> EnterAsync(string origin, CancellationToken cancellationToken)
    {
        TaskCompletionSource turn;
        lock (_gate)
        {
            if (!_origins.TryGetValue(origin, out var state)) _origins[origin] = state = new Origin();
            if (state.Running < options.Federation.ConcurrentRequestsPerServer)
            {
                state.Running++;
                return new Lease(this, origin);
            }

            if (state.LiveWaiting() >= options.Federation.QueuedRequestsPerServer) throw MatrixException.LimitExceeded(RetryAfterMs);
            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            state.Waiting.Enqueue(turn);
        }

        // A caller that gives up leaves its place; Release skips it.
        await using (cancellationToken.Register(() => turn.TrySetCanceled(cancellationToken)))
        {
            await turn.Task;
        }

        return new Lease(this, origin);
    }

    /// <summary>How many requests of <paramref name="origin"/> wait for a turn now.</summary>
    internal int WaitingOf(string origin)
    {
        lock (_gate) return _origins.TryGetValue(origin, out var state) ? state.LiveWaiting() : 0;
    }

    /// <summary>A finished request's turn goes to the next waiting one, else back to the server's count.</summary>
    private void Release(string origin)
    {
        lock (_gate)
        {
            var state = _origins[origin];
            while (state.Waiting.TryDequeue(out var next))
            {
                if (next.TrySetResult()) return;
            }

            if (--state.Running == 0) _origins.Remove(origin);
        }
    }

    private sealed class Origin
    {
        public int Running;
        public Queue<TaskCompletionSource> Waiting = new();

        /// <summary>
        /// The waiting requests whose callers still wait: those that gave up leave the line here, so that they neither
        /// count against the line nor pile up while the running requests last.
        /// </summary>
        public int LiveWaiting()
        {
            if (Waiting.Any(t => t.Task.IsCompleted)) Waiting = new Queue<TaskCompletionSource>(Waiting.Where(t => !t.Task.IsCompleted));
            return Waiting.Count;
        }
    }

    private sealed class Lease(OriginRequestLimiter limiter, string origin) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) limiter.Release(origin);
        }
    }
}
