using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.ClientFormat;

/// <summary>The events a stored event's row points at: the redaction that applies, and the state event it replaced.</summary>
public readonly record struct EventRowLinks(string? RedactedBy, string? ReplacesState);

/// <summary>
/// Loads stored events in the client format, in batches: the redactions that apply, the replaced
/// state (prev_content), the requester's own transaction IDs, and the bundled aggregations of child
/// events (unsigned.m.relations) that every endpoint serving events includes.
/// </summary>
public sealed class ClientEventLoader(EventStore events, RelationAggregator relations, ErasedUsers erasedUsers, EventVisibility visibility, TimeProvider clock)
{
    private sealed record EventRow(string EventId, string? RedactedBy, string? ReplacesState);

    private static readonly IReadOnlySet<string> NoEvents = new HashSet<string>();

    // Compiled once: every timeline of every sync loads its events through here.
    private static readonly Func<HomeserverDbContext, string[], IAsyncEnumerable<EventRow>> Rows =
        EF.CompileAsyncQuery((HomeserverDbContext db, string[] ids) =>
            db.Events.AsNoTracking().Where(e => ids.Contains(e.EventId)).Select(e => new EventRow(e.EventId, e.RedactedBy, e.ReplacesState)));

    /// <summary>The events among <paramref name="eventIds"/> that exist, in the given order, with every aggregation.</summary>
    public Task<List<JsonObject>> LoadAsync(IDbSource db, IReadOnlyList<string> eventIds, Requester? requester, CancellationToken cancellationToken) =>
        LoadAsync(db, eventIds, requester, Aggregations.All, cancellationToken);

    /// <summary>
    /// As <see cref="LoadAsync(IDbSource, IReadOnlyList{string}, Requester?, CancellationToken)"/>, with a choice of
    /// aggregations (sync bundles them only for limited timelines), and the rows of events the caller has just read
    /// (<paramref name="known"/>: sync's timeline query reads them), which are not read again.
    /// </summary>
    public async Task<List<JsonObject>> LoadAsync(IDbSource db, IReadOnlyList<string> eventIds, Requester? requester, Aggregations aggregations,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, EventRowLinks>? known = null)
    {
        if (eventIds.Count == 0) return [];
        // Loops rather than queries over collections, and no collection made for nothing: every woken sync formats its
        // new events here (one, mostly, with nothing redacted, replaced, bundled or sent by the requester).
        var ids = DistinctIds.Of(eventIds);
        var rows = new Dictionary<string, EventRowLinks>(ids.Count, StringComparer.Ordinal);
        List<string>? unknown = null;
        foreach (var id in ids)
        {
            if (known is not null && known.TryGetValue(id, out var links)) rows[id] = links;
            else (unknown ??= []).Add(id);
        }

        foreach (var batch in unknown?.Chunk(500) ?? [])
        {
            await foreach (var row in Rows(db.Db, batch).WithCancellation(cancellationToken)) rows[row.EventId] = new EventRowLinks(row.RedactedBy, row.ReplacesState);
        }

        // The redactions and replaced state events are read with the events themselves.
        var wanted = ids;
        HashSet<string>? redacted = null;
        foreach (var (id, links) in rows)
        {
            if (links.RedactedBy is null && links.ReplacesState is null) continue;
            if (ReferenceEquals(wanted, ids)) wanted = [.. ids];
            if (links.RedactedBy is { } redaction)
            {
                wanted.Add(redaction);
                (redacted ??= new HashSet<string>(StringComparer.Ordinal)).Add(id);
            }

            if (links.ReplacesState is { } replaced) wanted.Add(replaced);
        }

        var pdus = await events.GetManyAsync(db, wanted, cancellationToken);
        var loaded = new List<Pdu>(ids.Count);
        // Only the requester's own events can carry their transaction ID.
        List<string>? own = null;
        foreach (var id in ids)
        {
            if (!pdus.TryGetValue(id, out var pdu)) continue;
            if (rows.ContainsKey(id)) loaded.Add(pdu);
            if (requester is not null && pdu.Sender == requester.UserId) (own ??= []).Add(id);
        }

        var erased = await ErasedForAsync(db, loaded, requester, cancellationToken);
        var transactions = own is null ? null : await TransactionIdsAsync(db, own, requester, cancellationToken);
        Dictionary<string, JsonObject>? bundled = null;
        if (aggregations != Aggregations.None)
        {
            var bundles = await relations.AggregateAsync(db, loaded, redacted ?? NoEvents, requester?.UserId, aggregations, cancellationToken);
            if (bundles.Count > 0) bundled = await FormatBundlesAsync(db, bundles, requester, aggregations, cancellationToken);
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var result = new List<JsonObject>(eventIds.Count);
        foreach (var id in eventIds)
        {
            if (!pdus.TryGetValue(id, out var pdu) || !rows.TryGetValue(id, out var row)) continue;
            var redaction = row.RedactedBy is { } r && pdus.TryGetValue(r, out var red) ? ClientEventFormat.Format(red, now) : null;
            var replaced = row.ReplacesState is { } p && pdus.TryGetValue(p, out var prev) ? prev : null;
            var isErased = erased?.Contains(id) == true;
            var transactionId = transactions?.GetValueOrDefault(id);
            var relationsOf = bundled?.GetValueOrDefault(id);
            result.Add(redaction is null && replaced is null && !isErased && transactionId is null && relationsOf is null
                ? ClientEventFormat.Format(pdu, now)
                : ClientEventFormat.Format(pdu, now, new ClientEventExtras
                {
                    RedactedBecause = redaction,
                    Erased = isErased,
                    PrevContent = replaced?.Content,
                    PrevSender = replaced?.Sender,
                    ReplacesState = replaced?.EventId,
                    TransactionId = transactionId,
                    Relations = relationsOf,
                }));
        }

        return result;
    }

    /// <summary>
    /// The events of erased senders that the requester is served pruned: those sent when the requester was not joined
    /// (spec, "erase" of POST /account/deactivate: who saw them keeps seeing them, who comes later does not). Null
    /// when none (the usual case: no erased sender among the events).
    /// </summary>
    private async Task<HashSet<string>?> ErasedForAsync(IDbSource db, List<Pdu> loaded, Requester? requester, CancellationToken cancellationToken)
    {
        var erased = await erasedUsers.GetAsync(cancellationToken);
        if (erased.Count == 0) return null;
        List<string>? ids = null;
        foreach (var pdu in loaded)
        {
            if (erased.Contains(pdu.Sender) && pdu.Sender != requester?.UserId) (ids ??= []).Add(pdu.EventId);
        }

        if (ids is null) return null;
        var seen = requester is null ? [] : await visibility.JoinedAtAsync(db.Db, requester.UserId, ids, cancellationToken);
        ids.RemoveAll(seen.Contains);
        return [.. ids];
    }

    private static async Task<Dictionary<string, string>> TransactionIdsAsync(IDbSource db, List<string> ids, Requester? requester, CancellationToken cancellationToken)
    {
        var transactions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (requester is null || ids.Count == 0) return transactions;
        foreach (var batch in ids.Chunk(500))
        {
            // By event ID alone, the device checked here: with the user and device in the condition too, a planner without
            // statistics yet (a table just filled) read every transaction of the user's device through the key.
            foreach (var t in await db.Db.EventTransactions.AsNoTracking().Where(t => batch.Contains(t.EventId))
                         .Select(t => new { t.EventId, t.UserId, t.DeviceId, t.TxnId }).ToListAsync(cancellationToken))
            {
                if (t.UserId == requester.UserId && t.DeviceId == requester.DeviceId) transactions[t.EventId] = t.TxnId;
            }
        }

        return transactions;
    }

    /// <summary>
    /// The m.relations object of each parent. A thread's latest event is served in full, with its own
    /// aggregations (edits and references: an event inside a thread cannot be a thread root).
    /// </summary>
    private async Task<Dictionary<string, JsonObject>> FormatBundlesAsync(IDbSource db, Dictionary<string, BundledRelations> bundles,
        Requester? requester, Aggregations aggregations, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var latestIds = bundles.Values.Select(b => b.Thread?.LatestEventId).OfType<string>().Distinct().ToList();
        var latestEvents = (await LoadAsync(db, latestIds, requester, aggregations & ~Aggregations.Threads, cancellationToken))
            .ToDictionary(e => e["event_id"]!.GetValue<string>(), StringComparer.Ordinal);

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (id, bundle) in bundles)
        {
            var relations = new JsonObject();
            if (bundle.LatestEdit is { } edit) relations[RelationTypes.Replace] = ClientEventFormat.Format(edit, now);
            if (bundle.Thread is { } thread && latestEvents.TryGetValue(thread.LatestEventId, out var latest))
            {
                relations[RelationTypes.Thread] = new JsonObject
                {
                    ["latest_event"] = latest,
                    ["count"] = thread.Count,
                    ["current_user_participated"] = thread.CurrentUserParticipated,
                };
            }

            if (bundle.References.Count > 0)
            {
                relations[RelationTypes.Reference] = new JsonObject
                {
                    ["chunk"] = new JsonArray([.. bundle.References.Select(r => (JsonNode)new JsonObject { ["event_id"] = r })]),
                };
            }

            if (relations.Count > 0) result[id] = relations;
        }

        return result;
    }
}
