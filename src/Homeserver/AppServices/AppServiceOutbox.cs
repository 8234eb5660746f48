using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>A transaction ready to send to an AS: its ID, the events (in queue order), the ephemeral events.</summary>
public sealed record AppServiceTransaction(string TxnId, IReadOnlyList<string> EventIds, IReadOnlyList<JsonObject> Ephemeral);

/// <summary>
/// The durable per-AS queues (table appservice_outbox) and each AS's transaction counter and retry timings
/// (appservice_states). Items leave the queue only when the AS accepted the transaction holding them; a transaction
/// once formed keeps its ID and items, so a retry sends the very same transaction (the AS may dedupe by ID).
/// </summary>
public sealed class AppServiceOutbox(IDbContextFactory<HomeserverDbContext> dbs, TimeProvider time)
{
    public const int MaxEventsPerTransaction = 100;
    public const int MaxEphemeralPerTransaction = 100;

    /// <summary>The stream whose position says up to where events have been looked at for the ASes (catch-up at start).</summary>
    public const string SenderStream = "appservice_sender";

    /// <summary>Queues events and records that events up to <paramref name="position"/> are queued.</summary>
    public async Task AddEventsAsync(IReadOnlyCollection<(string AppServiceId, string EventId)> items, long? position, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = Now();
        foreach (var (appServiceId, eventId) in items) db.Add(new AppServiceOutboxItem { AppServiceId = appServiceId, EventId = eventId, CreatedTs = now });
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        if (position is { } p)
        {
            await db.StreamPositions.Where(s => s.Stream == SenderStream && s.Position < p).ExecuteUpdateAsync(s => s.SetProperty(x => x.Position, p), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task AddEphemeralAsync(string appServiceId, JsonObject ephemeral, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        db.Add(new AppServiceOutboxItem { AppServiceId = appServiceId, Ephemeral = ephemeral.ToJsonString(), CreatedTs = Now() });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The transaction to send next: the one formed and not yet accepted, else a new one of the oldest items. Null when none is queued.</summary>
    public async Task<AppServiceTransaction?> NextTransactionAsync(string appServiceId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var items = db.Set<AppServiceOutboxItem>().Where(i => i.AppServiceId == appServiceId);
        var pending = await items.Where(i => i.TxnId != null).OrderBy(i => i.Id).Select(i => i.TxnId).FirstOrDefaultAsync(cancellationToken);
        if (pending is not null) return ToTransaction(pending, await items.AsNoTracking().Where(i => i.TxnId == pending).OrderBy(i => i.Id).ToListAsync(cancellationToken));

        var events = await items.Where(i => i.EventId != null).OrderBy(i => i.Id).Take(MaxEventsPerTransaction).ToListAsync(cancellationToken);
        var ephemeral = await items.Where(i => i.Ephemeral != null).OrderBy(i => i.Id).Take(MaxEphemeralPerTransaction).ToListAsync(cancellationToken);
        if (events.Count == 0 && ephemeral.Count == 0) return null;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var state = await GetOrAddStateAsync(db, appServiceId, cancellationToken);
        var txnId = state.NextTxnId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        state.NextTxnId++;
        foreach (var item in events.Concat(ephemeral)) item.TxnId = txnId;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ToTransaction(txnId, [.. events.Concat(ephemeral).OrderBy(i => i.Id)]);
    }

    /// <summary>Removes a transaction's items: the AS accepted it.</summary>
    public async Task CompleteAsync(string appServiceId, string txnId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await db.Set<AppServiceOutboxItem>().Where(i => i.AppServiceId == appServiceId && i.TxnId == txnId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The AS's retry timings (last failure, wait); zeros when healthy or never seen.</summary>
    public async Task<(long LastTs, long IntervalMs)> GetRetryAsync(string appServiceId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var state = await db.Set<AppServiceState>().AsNoTracking().FirstOrDefaultAsync(s => s.AppServiceId == appServiceId, cancellationToken);
        return state is null ? (0, 0) : (state.RetryLastTs, state.RetryIntervalMs);
    }

    public async Task SetRetryAsync(string appServiceId, long lastTs, long intervalMs, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var state = await GetOrAddStateAsync(db, appServiceId, cancellationToken);
        (state.RetryLastTs, state.RetryIntervalMs) = (lastTs, intervalMs);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Records the ASes seen, so a catch-up at start never sends an AS the history from before it was registered.</summary>
    public async Task<HashSet<string>> KnownAsync(IEnumerable<string> appServiceIds, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var known = (await db.Set<AppServiceState>().Select(s => s.AppServiceId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        foreach (var id in appServiceIds.Where(id => !known.Contains(id))) await GetOrAddStateAsync(db, id, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return known;
    }

    public async Task<List<string>> WithWorkAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<AppServiceOutboxItem>().Select(i => i.AppServiceId).Distinct().ToListAsync(cancellationToken);
    }

    private async Task<AppServiceState> GetOrAddStateAsync(HomeserverDbContext db, string appServiceId, CancellationToken cancellationToken)
    {
        var state = await db.Set<AppServiceState>().FirstOrDefaultAsync(s => s.AppServiceId == appServiceId, cancellationToken);
        if (state is not null) return state;
        // Transaction IDs start at the current time, so they never repeat IDs the AS saw before this row existed.
        state = new AppServiceState { AppServiceId = appServiceId, NextTxnId = Now() };
        db.Add(state);
        return state;
    }

    private static AppServiceTransaction ToTransaction(string txnId, List<AppServiceOutboxItem> items) => new(
        txnId,
        [.. items.Where(i => i.EventId is not null).Select(i => i.EventId!)],
        [.. items.Where(i => i.Ephemeral is not null).Select(i => JsonNode.Parse(i.Ephemeral!) as JsonObject ?? new JsonObject())]);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
