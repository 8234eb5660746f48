using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationSender;

/// <summary>A transaction ready to send: its ID, the events (in queue order) and the EDUs.</summary>
public sealed record OutboundTransaction(string TxnId, IReadOnlyList<string> EventIds, IReadOnlyList<(string Type, JsonObject Content)> Edus);

/// <summary>
/// The durable per-destination queues (table federation_outbox) and destination records. Items leave the queue only
/// when the destination accepted the transaction holding them; a transaction once formed keeps its ID and items
/// until then, so a retry sends the very same transaction.
/// </summary>
public sealed class OutboxStore(IDbContextFactory<HomeserverDbContext> dbs, TimeProvider time)
{
    public const int MaxPdusPerTransaction = 50;
    public const int MaxEdusPerTransaction = 100;

    /// <summary>The stream whose position says up to where local events have been queued (for the catch-up at start).</summary>
    public const string SenderStream = "federation_sender";

    /// <summary>Destinations known to have no formed transaction waiting (their last one was completed by this process).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _noneFormed = new(StringComparer.Ordinal);

    /// <summary>Queues PDUs and records that local events up to <paramref name="position"/> are queued.</summary>
    public async Task AddPdusAsync(IReadOnlyCollection<(string Destination, string EventId)> items, long? position, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = Now();
        if (db.Database.IsNpgsql())
        {
            // One round trip (an implicit transaction: the rows and the position together) where the context took three;
            // a busy room shared with other servers queues every batch of its messages.
            var statements = new PostgresBatch();
            BulkInsert.AddTo(statements, "federation_outbox",
            [
                new("destination", items.Select(i => i.Destination).ToArray()),
                new("event_id", items.Select(i => i.EventId).ToArray()),
                new("created_ts", items.Select(_ => now).ToArray()),
            ]);
            if (position is { } at) statements.Add("UPDATE stream_positions SET position = $1 WHERE stream = $2 AND position < $1", at, SenderStream);
            await statements.ExecuteAsync(db, cancellationToken);
            return;
        }

        foreach (var (destination, eventId) in items)
        {
            db.Add(new OutboundFederationItem { Destination = destination, EventId = eventId, CreatedTs = now });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        if (position is { } p)
        {
            await db.StreamPositions.Where(s => s.Stream == SenderStream && s.Position < p).ExecuteUpdateAsync(s => s.SetProperty(x => x.Position, p), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Queues an EDU; with a coalescing key it replaces a queued EDU of the same type and key that is not in a transaction yet.</summary>
    public async Task AddEduAsync(string destination, string eduType, JsonObject content, string? coalescingKey, CancellationToken cancellationToken)
    {
        var json = content.ToJsonString();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (coalescingKey is not null)
        {
            var replaced = await db.Set<OutboundFederationItem>()
                .Where(i => i.Destination == destination && i.EduType == eduType && i.CoalescingKey == coalescingKey && i.TxnId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.EduContent, json), cancellationToken);
            if (replaced > 0) return;
        }

        db.Add(new OutboundFederationItem { Destination = destination, EduType = eduType, EduContent = json, CoalescingKey = coalescingKey, CreatedTs = Now() });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The transaction to send next: the one formed and not yet accepted, else a new one of the oldest items (at most
    /// 50 PDUs and 100 EDUs) under the destination's next transaction ID. Null when nothing is queued.
    /// </summary>
    public async Task<OutboundTransaction?> NextTransactionAsync(string destination, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        // One save in the transaction below, which fails whole: no savepoint around it (two round trips).
        db.Database.AutoSavepointsEnabled = false;
        var items = db.Set<OutboundFederationItem>().Where(i => i.Destination == destination);
        // A formed transaction not yet accepted is sent again first; there is none right after one was completed.
        if (!_noneFormed.ContainsKey(destination))
        {
            var pending = await items.Where(i => i.TxnId != null).OrderBy(i => i.Id).Select(i => i.TxnId).FirstOrDefaultAsync(cancellationToken);
            if (pending is not null) return ToTransaction(pending, await items.Where(i => i.TxnId == pending).OrderBy(i => i.Id).ToListAsync(cancellationToken));
        }

        // The oldest PDUs and the oldest EDUs, each up to its limit, in one query (EDUs are not held back by a PDU backlog).
        var claimed = await items.Where(i => i.EventId != null).OrderBy(i => i.Id).Take(MaxPdusPerTransaction)
            .Concat(items.Where(i => i.EduType != null).OrderBy(i => i.Id).Take(MaxEdusPerTransaction))
            .ToListAsync(cancellationToken);
        var pdus = claimed.Where(i => i.EventId != null).OrderBy(i => i.Id).ToList();
        var edus = claimed.Where(i => i.EduType != null).OrderBy(i => i.Id).ToList();
        if (pdus.Count == 0 && edus.Count == 0) return null;

        _noneFormed.TryRemove(destination, out _);
        var txnId = db.Database.IsNpgsql() ? await ClaimOnPostgresAsync(db, destination, [.. claimed.Select(i => i.Id)], cancellationToken) : null;
        if (txnId is null)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var record = await GetOrAddDestinationAsync(db, destination, cancellationToken);
            txnId = record.NextTxnId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            record.NextTxnId++;
            foreach (var item in claimed) item.TxnId = txnId;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // Read back: an EDU coalesced just before the items were claimed is sent as it is stored (queued PDUs never change).
        return edus.Count == 0
            ? ToTransaction(txnId, pdus)
            : ToTransaction(txnId, await items.AsNoTracking().Where(i => i.TxnId == txnId).OrderBy(i => i.Id).ToListAsync(cancellationToken));
    }

    /// <summary>Removes a transaction's items: the destination accepted it (or refused it for good).</summary>
    public async Task CompleteAsync(string destination, string txnId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await db.Set<OutboundFederationItem>().Where(i => i.Destination == destination && i.TxnId == txnId).ExecuteDeleteAsync(cancellationToken);
        // Each destination's loop forms one transaction at a time and completes it before the next: none is formed now.
        _noneFormed[destination] = true;
    }

    /// <summary>The destination's retry timings (RetryLastTs, RetryIntervalMs); zeros for one never seen or healthy.</summary>
    public async Task<(long LastTs, long IntervalMs)> GetRetryAsync(string destination, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var record = await db.Set<FederationDestination>().AsNoTracking().FirstOrDefaultAsync(d => d.Destination == destination, cancellationToken);
        return record is null ? (0, 0) : (record.RetryLastTs, record.RetryIntervalMs);
    }

    public async Task SetRetryAsync(string destination, long lastTs, long intervalMs, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var record = await GetOrAddDestinationAsync(db, destination, cancellationToken);
        record.RetryLastTs = lastTs;
        record.RetryIntervalMs = intervalMs;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Every destination with queued items.</summary>
    public async Task<List<string>> DestinationsWithWorkAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<OutboundFederationItem>().Select(i => i.Destination).Distinct().ToListAsync(cancellationToken);
    }

    /// <summary>How many items are queued for a destination.</summary>
    public async Task<int> CountAsync(string destination, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<OutboundFederationItem>().CountAsync(i => i.Destination == destination, cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: the destination's next transaction ID taken and the items claimed under it in one statement (all or
    /// nothing by itself), where the context took four round trips. Null when the destination has no record yet (the
    /// context's way adds it) or none of the items is left.
    /// </summary>
    private static async Task<string?> ClaimOnPostgresAsync(HomeserverDbContext db, string destination, long[] itemIds, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH d AS (
                UPDATE federation_destination SET next_txn_id = next_txn_id + 1 WHERE destination = @destination RETURNING next_txn_id - 1 AS txn)
            UPDATE federation_outbox SET txn_id = (SELECT txn::text FROM d) WHERE id = ANY(@ids) AND EXISTS (SELECT 1 FROM d)
            RETURNING txn_id
            """;
        var claimed = await RawSql.QueryAsync(db, sql, new Dictionary<string, object> { ["destination"] = destination, ["ids"] = itemIds },
            r => r.GetString(0), cancellationToken);
        return claimed.FirstOrDefault();
    }

    private async Task<FederationDestination> GetOrAddDestinationAsync(HomeserverDbContext db, string destination, CancellationToken cancellationToken)
    {
        var record = await db.Set<FederationDestination>().FirstOrDefaultAsync(d => d.Destination == destination, cancellationToken);
        if (record is not null) return record;
        // Transaction IDs start at the current time, so they never repeat ones a destination saw before this record existed.
        record = new FederationDestination { Destination = destination, NextTxnId = Now() };
        db.Add(record);
        return record;
    }

    private static OutboundTransaction ToTransaction(string txnId, List<OutboundFederationItem> items) => new(
        txnId,
        [.. items.Where(i => i.EventId is not null).Select(i => i.EventId!)],
        [.. items.Where(i => i.EduType is not null).Select(i => (i.EduType!, JsonNode.Parse(i.EduContent ?? "{}") as JsonObject ?? new JsonObject()))]);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
