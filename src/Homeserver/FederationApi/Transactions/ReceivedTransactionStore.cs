using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Transactions;

/// <summary>The answers we gave to transactions, kept for a day so that a retried transaction gets the same answer.</summary>
public sealed class ReceivedTransactionStore(IDbContextFactory<HomeserverDbContext> dbs, TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);
    private long _nextCleanupTs;

    public async Task<JsonObject?> FindAsync(string origin, string txnId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var json = await db.Set<ReceivedTransaction>().AsNoTracking()
            .Where(t => t.Origin == origin && t.TxnId == txnId).Select(t => t.ResponseJson).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonNode.Parse(json) as JsonObject;
    }

    public async Task SaveAsync(string origin, string txnId, JsonObject response, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        // The first answer stays (a retry processed at the same time answers the same), in one statement on both providers.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO received_transaction (origin, txn_id, response_json, received_ts) VALUES ({origin}, {txnId}, {response.ToJsonString()}, {now}) ON CONFLICT DO NOTHING",
            cancellationToken);

        if (now < Interlocked.Read(ref _nextCleanupTs)) return;
        Interlocked.Exchange(ref _nextCleanupTs, now + (long)CleanupInterval.TotalMilliseconds);
        var cutoff = now - (long)Retention.TotalMilliseconds;
        await db.Set<ReceivedTransaction>().Where(t => t.ReceivedTs < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
