using System.Text.Json.Nodes;
using Matrix.Federation.Transport.Client;

namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// The sending loop of one destination (<see cref="RetryingQueue{T}"/>). A transaction the destination refuses for
/// good (a 4xx other than 401, 408 or 429) is dropped, so one bad item never stalls the queue.
/// </summary>
internal sealed class DestinationQueue(string destination, SenderContext context) : RetryingQueue<OutboundTransaction>(context.QueueSettings)
{
    private long _queuedItems;

    public string Destination { get; } = destination;

    /// <summary>Items queued and not yet accepted: counted as they are added, recounted from the store by the loop.</summary>
    public long QueuedItems => Interlocked.Read(ref _queuedItems);

    /// <summary><paramref name="added"/> items were queued: make sure the loop runs and looks at the queue again.</summary>
    public void Notify(int added)
    {
        Interlocked.Add(ref _queuedItems, added);
        Notify();
    }

    protected override Task<(long LastTs, long IntervalMs)> GetRetryAsync(CancellationToken stopping) => context.Store.GetRetryAsync(Destination, stopping);

    protected override Task SetRetryAsync(long lastTs, long intervalMs, CancellationToken stopping) =>
        context.Store.SetRetryAsync(Destination, lastTs, intervalMs, stopping);

    protected override Task<OutboundTransaction?> NextTransactionAsync(CancellationToken stopping) => context.Store.NextTransactionAsync(Destination, stopping);

    protected override void LogLoopFailure(Exception e) => context.Logger.LogError(e, "The federation queue of {Destination} failed", Destination);

    // The store is the truth: coalesced EDUs and items queued before a restart are not in the running count.
    // Only the /metrics gauge reads the count: without metrics, no query after every transaction.
    protected override async Task AfterStepAsync(CancellationToken stopping)
    {
        if (context.CountsQueues) Interlocked.Exchange(ref _queuedItems, await context.Store.CountAsync(Destination, stopping));
    }

    protected override async Task SendAsync(OutboundTransaction transaction, CancellationToken stopping)
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
            await SucceededAsync(stopping);
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
            var interval = await FailedAsync(stopping);
            context.Logger.LogInformation("Transaction {TxnId} to {Destination} failed, next attempt in {Interval} ms: {Reason}",
                transaction.TxnId, Destination, interval, e.Message);
        }
        finally
        {
            context.Concurrency.Release();
        }
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
}
