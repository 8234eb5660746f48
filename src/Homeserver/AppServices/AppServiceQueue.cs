using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// The sending loop of one application service (<see cref="RetryingQueue{T}"/>): nothing is dropped, a failed
/// transaction (no answer, a timeout, any non-2xx) is retried until the AS takes it. The AS using its as_token shows
/// it is up: the wait ends at once. Sends never wait for any AS.
/// </summary>
internal sealed class AppServiceQueue(AppServiceRegistration appService, AppServiceSenderContext context)
    : RetryingQueue<AppServiceTransaction>(context.QueueSettings)
{
    public const long MinRetryMs = 1_000;
    public const long MaxRetryMs = 5 * 60 * 1_000;

    public AppServiceRegistration AppService { get; } = appService;

    protected override Task<(long LastTs, long IntervalMs)> GetRetryAsync(CancellationToken stopping) => context.Outbox.GetRetryAsync(AppService.Id, stopping);

    protected override Task SetRetryAsync(long lastTs, long intervalMs, CancellationToken stopping) =>
        context.Outbox.SetRetryAsync(AppService.Id, lastTs, intervalMs, stopping);

    protected override Task<AppServiceTransaction?> NextTransactionAsync(CancellationToken stopping) => context.Outbox.NextTransactionAsync(AppService.Id, stopping);

    protected override void LogLoopFailure(Exception e) =>
        context.Logger.LogError(e, "The transaction queue of application service {AppService} failed", AppService.Id);

    protected override async Task SendAsync(AppServiceTransaction transaction, CancellationToken stopping)
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
            await SucceededAsync(stopping);
        }
        catch (AppServiceCallException e)
        {
            var interval = await FailedAsync(stopping);
            context.Logger.LogInformation("Transaction {TxnId} to application service {AppService} failed, next attempt in {Interval} ms: {Reason}",
                transaction.TxnId, AppService.Id, interval, e.Message);
        }
    }

    /// <summary>The events in client format, as the AS's sender would see them (redacted when redacted by now).</summary>
    private async Task<List<JsonObject>> LoadEventsAsync(IReadOnlyList<string> eventIds, CancellationToken stopping)
    {
        if (eventIds.Count == 0) return [];
        await using var db = await context.Dbs.CreateDbContextAsync(stopping);
        return await context.Events.LoadAsync(db, eventIds, requester: null, Aggregations.None, stopping);
    }
}
