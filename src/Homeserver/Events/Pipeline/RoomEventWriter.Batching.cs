using System.Collections.Concurrent;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Group commit of local sends: concurrent sends into one room are written in one transaction under
/// one hold of the room's lock, each caller's drafts still atomic (when one caller's drafts fail, the
/// batch is rolled back and each caller's drafts are written again on their own, so only that caller
/// sees the error). Notifications run in room order while the next batch is already being written.
/// </summary>
public sealed partial class RoomEventWriter
{
    /// <summary>Most callers' sends written in one transaction.</summary>
    private const int MaxBatch = 64;

    private readonly ConcurrentDictionary<string, RoomSendQueue> _sendQueues = new(StringComparer.Ordinal);

    /// <summary>
    /// Sends events into an existing room as local users. Authorization failures throw 403 M_FORBIDDEN
    /// and nothing of this call is written. A draft whose client transaction was already used returns the first event.
    /// Once queued, the send completes even if the caller stops waiting.
    /// </summary>
    public Task<IReadOnlyList<PersistedEvent>> SendAsync(string roomId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken)
    {
        var request = new RoomSendQueue.Request(drafts);
        while (true)
        {
            var queue = _sendQueues.GetOrAdd(roomId, id => new RoomSendQueue(id));
            switch (queue.Enqueue(request))
            {
                case null:
                    _sendQueues.TryRemove(new KeyValuePair<string, RoomSendQueue>(roomId, queue));
                    continue;
                case true:
                    // Not started on the caller's thread: on SQLite (synchronous underneath) the whole write and its
                    // wake-ups would run before the caller awaits its answer, and the woken syncs overtake the sender's
                    // response (matrix-js-sdk then fails a thread reply whose remote echo came first).
                    _ = Task.Run(() => DrainAsync(queue), CancellationToken.None);
                    break;
            }

            return request.Completion.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task DrainAsync(RoomSendQueue queue)
    {
        while (true)
        {
            var batch = queue.TakeBatch(MaxBatch);
            if (batch.Count > 0)
            {
                await WriteBatchAsync(queue, batch);
                continue;
            }

            // A successor queue must not notify before this one's last notification.
            await queue.Notified;
            if (queue.TryRetire())
            {
                _sendQueues.TryRemove(new KeyValuePair<string, RoomSendQueue>(queue.RoomId, queue));
                return;
            }
        }
    }

    private async Task WriteBatchAsync(RoomSendQueue queue, List<RoomSendQueue.Request> batch)
    {
        var done = new List<(RoomSendQueue.Request Request, BatchResult Result)>(batch.Count);
        try
        {
            // On PostgreSQL the first attempt does not look the client transactions up (a round trip): a retry of a
            // send written earlier fails the batch on the transactions' key instead, and is looked up below.
            var results = await WriteTogetherAsync(queue.RoomId, batch, lookUpTransactions: !OnPostgres);
            done.AddRange(batch.Zip(results));
        }
        catch (Exception first) when (batch.Count > 1 || IsRepeatedTransaction(first))
        {
            // Nothing of the batch was committed: each caller's drafts go again alone, so one failure stays one caller's.
            foreach (var request in batch)
            {
                try
                {
                    done.Add((request, (await WriteTogetherAsync(queue.RoomId, [request], lookUpTransactions: true))[0]));
                }
                catch (Exception e)
                {
                    request.Completion.TrySetException(e);
                }
            }
        }
        catch (Exception e)
        {
            batch[0].Completion.TrySetException(e);
        }

        if (done.Count == 0) return;
        var persisted = done.Where(d => !d.Result.Repeated).SelectMany(d => d.Result.Events).ToList();
        // Messages whose notifications went into their own commit are answered at once: their listeners (the sender's
        // presence, a counter) and the long-polls are not part of a send's answer, and they took a fifth of a lone
        // send's time (a scope, the room's members, five listeners). State changes are answered after their
        // listeners, whose work (presence for new members, notifications, device lists) a client may look for next.
        var answerNow = persisted.All(p => p.Pdu.StateKey is null && p.PushActionsWritten);
        if (answerNow) Answer(done);
        if (persisted.Count > 0) queue.Notified = NotifyThenAnswerAsync(queue.Notified, queue.RoomId, persisted, answerNow ? [] : done);
    }

    private static void Answer(List<(RoomSendQueue.Request Request, BatchResult Result)> callers)
    {
        foreach (var (request, result) in callers) request.Completion.TrySetResult(result.Events);
    }

    /// <summary>Writes the callers' drafts in one transaction; per caller, its events (or the earlier event of a repeated transaction).</summary>
    private async Task<BatchResult[]> WriteTogetherAsync(string roomId, List<RoomSendQueue.Request> batch, bool lookUpTransactions)
    {
        var cancellationToken = CancellationToken.None;
        using var roomLock = await locks.AcquireAsync(roomId, cancellationToken);
        await using var db = await OpenWriteContextAsync(cancellationToken);
        WriteSession? session = null;
        var results = new BatchResult[batch.Count];
        var ranges = new (int First, int Count)[batch.Count];
        try
        {
            // Under the room's lock: a retry queued behind its original in this batch finds it in the session.
            var earlierSends = lookUpTransactions ? await FindTransactionsAsync(db, batch, cancellationToken) : [];
            for (var i = 0; i < batch.Count; i++)
            {
                var key = TransactionKey(batch[i].Drafts);
                if ((session?.Transactions.GetValueOrDefault(key) ?? earlierSends.GetValueOrDefault(key)) is { } earlier)
                {
                    results[i] = new BatchResult([earlier], Repeated: true);
                    continue;
                }

                session ??= await OpenSessionAsync(db, roomId, cancellationToken);
                var first = session.Pending.Count;
                foreach (var draft in batch[i].Drafts) await AppendAsync(db, session, draft, cancellationToken);
                ranges[i] = (first, session.Pending.Count - first);
            }

            if (session is null) return results;
            var persisted = await CommitAsync(db, session, cancellationToken);
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] ??= new BatchResult(persisted.GetRange(ranges[i].First, ranges[i].Count), Repeated: false);
            }

            return results;
        }
        finally
        {
            // Committed, rolled back or failed half-way: the positions are final, so the stream may move past them.
            if (session is not null)
            {
                ReleasePositions(session);
                if (session.Transaction is { } transaction) await transaction.DisposeAsync();
            }
        }
    }

    /// <summary>A client transaction's key refused the write: the send was written before (PostgreSQL's unique violation).</summary>
    private static bool IsRepeatedTransaction(Exception e) =>
        e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: "pk_event_transactions" };

    /// <summary>
    /// A batch's listeners, then its unanswered callers, then the long-polls of the room's members, after the previous
    /// batch's (room order).
    /// </summary>
    private async Task NotifyThenAnswerAsync(Task previous, string roomId, List<PersistedEvent> persisted,
        List<(RoomSendQueue.Request Request, BatchResult Result)> unanswered)
    {
        await previous;
        List<string> woken = [];
        RoomEventsToForward? forward = null;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            (woken, forward) = await PublishAsync(db, roomId, persisted, local: true, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The events are committed: a failed wake-up must not turn the sends into errors.
            logger.LogError(e, "Notifying after a send into {RoomId} failed", roomId);
        }

        // The senders are answered before the long-polls are woken: in a big room a thousand woken syncs queue on
        // the thread pool and the database, and a sender queued behind them waited seconds for its answer.
        Answer(unanswered);
        notifier.NotifyUsers(woken);
        if (forward is not null) await RunListenersAsync(forward, roomId, CancellationToken.None);
    }

    /// <summary>The events that earlier sends with the batch's client transactions produced: one query for the whole batch.</summary>
    private async Task<Dictionary<(string, string, string), PersistedEvent>> FindTransactionsAsync(HomeserverDbContext db, List<RoomSendQueue.Request> batch,
        CancellationToken cancellationToken)
    {
        var keys = batch.Select(r => TransactionKey(r.Drafts)).Where(k => k.Item1.Length > 0).ToHashSet();
        var found = new Dictionary<(string, string, string), PersistedEvent>();
        List<((string, string, string) Key, string EventId)> earlier;
        if (keys.Count <= 1)
        {
            // The usual case, one send at a time: the compiled single lookup.
            var single = keys.FirstOrDefault();
            earlier = keys.Count == 1 && await ClientTransactions.FindEventIdAsync(db, single.Item1, single.Item2, single.Item3, cancellationToken) is { } id
                ? [(single, id)]
                : [];
        }
        else
        {
            var users = keys.Select(k => k.Item1).Distinct().ToList();
            var paths = keys.Select(k => k.Item3).ToList();
            var rows = await db.EventTransactions.AsNoTracking().Where(t => users.Contains(t.UserId) && paths.Contains(t.Path))
                .Select(t => new { t.UserId, t.DeviceId, t.Path, t.EventId }).ToListAsync(cancellationToken);
            earlier = [.. rows.Select(r => ((r.UserId, r.DeviceId, r.Path), r.EventId)).Where(r => keys.Contains(r.Item1))];
        }

        foreach (var (key, eventId) in earlier)
        {
            var streamOrdering = await db.Events.AsNoTracking().Where(e => e.EventId == eventId).Select(e => e.StreamOrdering).FirstAsync(cancellationToken);
            var pdu = await events.GetAsync(db, eventId, cancellationToken) ?? throw new InvalidOperationException($"transaction names missing event {eventId}");
            found[key] = new PersistedEvent(pdu, streamOrdering);
        }

        return found;
    }

    /// <summary>The client transaction of a single-draft send (the only sends a retry can repeat), else a key nothing has.</summary>
    private static (string, string, string) TransactionKey(IReadOnlyList<EventDraft> drafts) =>
        drafts is [{ Transaction: { } txn } draft] ? TransactionKey(draft, txn) : ("", "", "");

    /// <summary>A client transaction's identity: its sender, device and endpoint path (the path carries the transaction ID).</summary>
    private static (string, string, string) TransactionKey(EventDraft draft, ClientTransaction transaction) =>
        (draft.Sender, transaction.DeviceId, transaction.Path);

    private sealed record BatchResult(IReadOnlyList<PersistedEvent> Events, bool Repeated);
}
