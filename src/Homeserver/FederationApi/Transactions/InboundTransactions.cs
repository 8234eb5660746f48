using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>
/// Inbound transactions, as Synapse runs them: one at a time per origin (another transaction from the same origin
/// meanwhile is answered 429, so the sender retries it later), a retry of the transaction in progress shares its
/// answer, and a finished transaction's answer is stored so that a retry processes nothing twice. PDUs and EDUs are
/// processed side by side, so to-device messages do not wait behind a slow room.
/// </summary>
public sealed class InboundTransactions(ReceivedTransactionStore store, PduBatchProcessor pdus, EduDispatcher edus, IHostApplicationLifetime lifetime)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string TxnId, Task<JsonObject> Work)> _active = new(StringComparer.Ordinal);

    // Each origin's last finished transaction, set as it leaves _active: a retry that looked at the store before the
    // answer was saved finds it here, with no second look at the store.
    private readonly Dictionary<string, (string TxnId, JsonObject Answer)> _finished = new(StringComparer.Ordinal);

    public async Task<JsonObject> ReceiveAsync(string origin, string txnId, TransactionBody body, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(origin, txnId, cancellationToken) is { } answered) return answered;

        Task<JsonObject> work;
        lock (_gate)
        {
            if (_finished.TryGetValue(origin, out var finished) && finished.TxnId == txnId) return (JsonObject)finished.Answer.DeepClone();
            if (_active.TryGetValue(origin, out var active))
            {
                if (active.TxnId != txnId) throw new MatrixException(429, ErrorCodes.Unknown, "Too many concurrent transactions");
                work = active.Work;
            }
            else
            {
                work = RunAsync(origin, txnId, body);
                _active[origin] = (txnId, work);
            }
        }

        return (JsonObject)(await work.WaitAsync(cancellationToken)).DeepClone();
    }

    private async Task<JsonObject> RunAsync(string origin, string txnId, TransactionBody body)
    {
        // Leave the caller's lock before any work; the work belongs to no single request (a retry may share it).
        await Task.Yield();
        JsonObject? answer = null;
        try
        {
            var stopping = lifetime.ApplicationStopping;
            var pduResults = pdus.ProcessAsync(origin, body.Pdus ?? [], stopping);
            await edus.DispatchAsync(origin, body.Edus ?? [], stopping);
            answer = new JsonObject { ["pdus"] = await pduResults };
            await store.SaveAsync(origin, txnId, answer, stopping);
            return answer;
        }
        finally
        {
            lock (_gate)
            {
                _active.Remove(origin);
                if (answer is not null) _finished[origin] = (txnId, answer);
            }
        }
    }
}
