using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Search;

/// <summary>One event's row of event_search.</summary>
public sealed record SearchEntry(string EventId, string RoomId, string Sender, string Type, string Key, string Value, long StreamOrdering, long OriginServerTs)
{
    /// <summary>The event's row, or null when it has no text to search.</summary>
    public static SearchEntry? Of(Pdu pdu, long streamOrdering) =>
        SearchRows.Extract(pdu) is ({ } key, { } value)
            ? new SearchEntry(pdu.EventId, pdu.RoomId, pdu.Sender, pdu.Type, key, value, streamOrdering, pdu.OriginServerTs)
            : null;
}

/// <summary>
/// PostgreSQL: the search text of the events the one-command batch writes (local sends, and pushed events that extend a
/// room) goes into event_search just after their commit, in batches of its own, instead of in the send's own command:
/// on a backend that idled a moment, <c>to_tsvector</c> and the text index made a lone send's commit ~0.4 ms slower, a
/// fifth of a message's way to another member's long-poll (docs/benchmarks.md, thirty-fourth round).
/// <list type="bullet">
/// <item>A search, and a redaction before it removes its target's text, first waits for the text queued before it
/// (<see cref="FlushAsync"/>): a client finds the message it just sent, and a redacted message's text never comes back.</item>
/// <item>The insert skips an event that is gone (a purged room) or redacted by then.</item>
/// <item>The stream position up to which every committed event's text is written is recorded (stream_positions); at start
/// the searchable events after it that have no row get one (a stop between a commit and its text's write).</item>
/// </list>
/// SQLite writes the text in the event's own transaction, as before: nothing is queued there.
/// </summary>
public sealed class SearchIndexer(IDbContextFactory<HomeserverDbContext> dbs, EventStore events, HomeserverOptions options,
    Streams.StreamIdGenerator streams, ILogger<SearchIndexer> logger) : BackgroundService
{
    /// <summary>The stream whose position says up to where committed events' text is written.</summary>
    public const string Stream = "search_index";

    private const int MaxBatch = 1_000;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long queued text waits for more before it is written (a flush does not wait): sends one after another
    /// then share a write, where a write per send cost PostgreSQL a second transaction each.</summary>
    private static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly List<SearchEntry> _queued = [];
    private readonly List<(long Count, TaskCompletionSource Written)> _waiters = [];
    private readonly SemaphoreSlim _signal = new(0);
    private long _enqueued;
    private long _written;
    private bool _stopped;
    private TaskCompletionSource _flushRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool OnPostgres => options.Database.Provider == DatabaseProvider.Postgres;

    /// <summary>Queues committed events' text. Call before their stream positions are released (the recorded position relies on it).</summary>
    public void Enqueue(IReadOnlyCollection<SearchEntry> entries)
    {
        if (entries.Count == 0) return;
        lock (_gate)
        {
            _queued.AddRange(entries);
            _enqueued += entries.Count;
        }

        _signal.Release();
    }

    /// <summary>
    /// Completes once the text queued before the call is written: at once when none waits or the indexer has stopped, and
    /// after <see cref="FlushTimeout"/> at most (the database failing the writes), when the caller goes on without it.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Task written;
        lock (_gate)
        {
            if (_written >= _enqueued || _stopped) return;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_enqueued, waiter));
            written = waiter.Task;
            _flushRequested.TrySetResult();
        }

        try
        {
            await written.WaitAsync(FlushTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Search text queued before a search or redaction was not written within {Timeout}", FlushTimeout);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!OnPostgres) return;
        try
        {
            try
            {
                await CatchUpAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next start looks again: the recorded position has not moved past what was not found.
                logger.LogWarning(e, "Looking for events whose search text was not written failed");
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                await _signal.WaitAsync(stoppingToken);
                Task flushRequested;
                lock (_gate) flushRequested = _flushRequested.Task;
                await Task.WhenAny(Task.Delay(BatchDelay, stoppingToken), flushRequested);
                stoppingToken.ThrowIfCancellationRequested();
                lock (_gate)
                {
                    if (_flushRequested.Task.IsCompleted) _flushRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                // Everything queued so far goes in this round: the signals it raised are spent.
                while (_signal.CurrentCount > 0) await _signal.WaitAsync(stoppingToken);
                while (!await WriteQueuedAsync(stoppingToken)) await Task.Delay(RetryDelay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What is still queued at shutdown is written now; what a failure leaves, the next start's catch-up finds.
        try
        {
            if (OnPostgres) await WriteQueuedAsync(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _stopped = true;
                foreach (var (_, written) in _waiters) written.TrySetResult();
                _waiters.Clear();
            }
        }
    }

    /// <summary>Writes everything queued, a batch at a time. False when a write failed (its entries stay queued).</summary>
    private async Task<bool> WriteQueuedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            List<SearchEntry> batch;
            long? position;
            // Every position at or below Current is final, and a committed event's text was queued before its position
            // was released: once everything queued now is written, so is the text of every event up to it.
            var current = streams.Current;
            lock (_gate)
            {
                if (_queued.Count == 0) return true;
                batch = _queued.GetRange(0, Math.Min(MaxBatch, _queued.Count));
                _queued.RemoveRange(0, batch.Count);
                position = _queued.Count == 0 ? current : null;
            }

            try
            {
                await using var db = await dbs.CreateDbContextAsync(cancellationToken);
                await WriteAsync(db, batch, position, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Writing the search text of {Count} events failed; it is tried again", batch.Count);
                lock (_gate) _queued.InsertRange(0, batch);
                return false;
            }

            lock (_gate)
            {
                _written += batch.Count;
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Count > _written) continue;
                    _waiters[i].Written.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// The rows, and the position they complete, in one round trip (one implicit transaction). The event's row is probed by
    /// a scalar subquery (null when the event is gone, false when redacted): written as EXISTS, the batch's generic plan
    /// hashed the whole events table for a few rows (3.8 ms a write).
    /// </summary>
    private static async Task WriteAsync(HomeserverDbContext db, List<SearchEntry> entries, long? position, CancellationToken cancellationToken)
    {
        var sql = new PostgresBatch();
        if (entries.Count > 0)
        {
            sql.Add(
                """
                INSERT INTO event_search (event_id, room_id, sender, type, key, value, stream_ordering, origin_server_ts)
                SELECT s.id, s.room, s.sender, s.type, s.key, s.value, s.ordering, s.ts FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                    AS s(id, room, sender, type, key, value, ordering, ts)
                WHERE (SELECT e.redacted_by IS NULL FROM events e WHERE e.event_id = s.id)
                ON CONFLICT (event_id) DO NOTHING
                """,
                entries.Select(e => e.EventId).ToArray(),
                entries.Select(e => e.RoomId).ToArray(),
                entries.Select(e => e.Sender).ToArray(),
                entries.Select(e => e.Type).ToArray(),
                entries.Select(e => e.Key).ToArray(),
                entries.Select(e => e.Value).ToArray(),
                entries.Select(e => e.StreamOrdering).ToArray(),
                entries.Select(e => e.OriginServerTs).ToArray());
        }

        if (position is { } at)
        {
            sql.Add("UPDATE stream_positions SET position = $1 WHERE stream = $2 AND position < $1", at, Stream);
        }

        await sql.ExecuteAsync(db, cancellationToken);
    }

    /// <summary>
    /// The text of searchable events after the recorded position that has no row (the server stopped before writing it). A
    /// first start records the newest position: everything before it was written with its event.
    /// </summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        // Only what earlier processes wrote: this one's events are queued, and their text counts only once written.
        var max = Math.Min(await db.Events.MaxAsync(e => e.StreamOrdering, cancellationToken) ?? 0, streams.Start);
        var recorded = await db.StreamPositions.AsNoTracking().FirstOrDefaultAsync(s => s.Stream == Stream, cancellationToken);
        if (recorded is null)
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO stream_positions (stream, position) VALUES ({0}, {1}) ON CONFLICT DO NOTHING",
                [Stream, max], cancellationToken);
            return;
        }

        string[] types = [EventTypes.Message, EventTypes.Name, EventTypes.Topic];
        var from = recorded.Position;
        var found = 0;
        while (true)
        {
            var rows = await db.Events.AsNoTracking()
                .Where(e => e.StreamOrdering > from && e.StreamOrdering <= max && types.Contains(e.Type) && !e.Outlier && !e.SoftFailed
                    && e.RejectedReason == null && e.RedactedBy == null && !db.Set<EventSearchEntry>().Any(s => s.EventId == e.EventId))
                .OrderBy(e => e.StreamOrdering).Take(MaxBatch)
                .Select(e => new { e.EventId, e.StreamOrdering })
                .ToListAsync(cancellationToken);
            var pdus = await events.GetManyAsync(db, rows.Select(r => r.EventId), cancellationToken);
            var entries = rows.Select(r => pdus.TryGetValue(r.EventId, out var pdu) ? SearchEntry.Of(pdu, r.StreamOrdering!.Value) : null)
                .OfType<SearchEntry>().ToList();
            found += entries.Count;
            var done = rows.Count < MaxBatch;
            from = done ? max : rows[^1].StreamOrdering!.Value;
            await WriteAsync(db, entries, from, cancellationToken);
            if (done) break;
        }

        if (found > 0) logger.LogInformation("Wrote the search text of {Count} events committed before the last stop", found);
    }
}
