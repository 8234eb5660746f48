using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>Which bundled aggregations to compute (spec "Aggregations of child events").</summary>
[Flags]
public enum Aggregations
{
    None = 0,
    Edits = 1,
    Threads = 2,
    References = 4,
    All = Edits | Threads | References,
}

/// <summary>A thread root's summary: its latest reply, how many replies, and whether the user took part.</summary>
public sealed record ThreadSummary(string LatestEventId, int Count, bool CurrentUserParticipated);

/// <summary>What the server aggregates for one parent event.</summary>
public sealed record BundledRelations(Pdu? LatestEdit, ThreadSummary? Thread, IReadOnlyList<string> References);

/// <summary>
/// Computes bundled aggregations for a batch of events, in a few queries for the whole batch:
/// m.replace (the most recent valid edit), m.thread (summary) and m.reference (the children's IDs).
/// m.annotation is not aggregated by the server (spec v1.7). State events, edits and annotations get
/// no aggregations (as Synapse); events inside a thread get no thread summary; a redacted event keeps
/// its threads and references but never bundles an edit. A child counts only when it is in its
/// parent's room (events from other servers are not checked for that when they arrive).
/// </summary>
public sealed class RelationAggregator(EventStore events)
{
    public async Task<Dictionary<string, BundledRelations>> AggregateAsync(IDbSource source, IReadOnlyCollection<Pdu> parents,
        IReadOnlySet<string> redacted, string? userId, Aggregations wanted, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, BundledRelations>(StringComparer.Ordinal);
        var candidates = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        foreach (var pdu in parents)
        {
            if (pdu.IsState) continue;
            var own = RelatesTo.From(pdu.Content)?.RelType;
            if (own is RelationTypes.Replace or RelationTypes.Annotation) continue;
            candidates[pdu.EventId] = pdu;
        }

        if (candidates.Count == 0 || wanted == Aggregations.None) return result;
        var db = source.Db;

        // Most events have no children: one query says which kinds exist, and only those are read.
        var ids = candidates.Keys.ToList();
        var present = (await db.Set<EventRelation>().AsNoTracking()
            .Where(r => ids.Contains(r.RelatesToId) && (r.RelType == RelationTypes.Replace || r.RelType == RelationTypes.Thread || r.RelType == RelationTypes.Reference))
            .Select(r => r.RelType).Distinct().ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        if (!present.Contains(RelationTypes.Replace)) wanted &= ~Aggregations.Edits;
        if (!present.Contains(RelationTypes.Thread)) wanted &= ~Aggregations.Threads;
        if (!present.Contains(RelationTypes.Reference)) wanted &= ~Aggregations.References;

        var edits = wanted.HasFlag(Aggregations.Edits)
            ? await LatestEditsAsync(db, [.. candidates.Values.Where(p => !redacted.Contains(p.EventId))], cancellationToken)
            : [];
        var threads = wanted.HasFlag(Aggregations.Threads)
            ? await ThreadSummariesAsync(db, [.. candidates.Values.Where(p => RelatesTo.From(p.Content)?.RelType != RelationTypes.Thread)], userId, cancellationToken)
            : [];
        var references = wanted.HasFlag(Aggregations.References) ? await ReferencesAsync(db, [.. candidates.Values], cancellationToken) : [];

        foreach (var id in candidates.Keys)
        {
            var edit = edits.GetValueOrDefault(id);
            var thread = threads.GetValueOrDefault(id);
            var refs = references.GetValueOrDefault(id);
            if (edit is not null || thread is not null || refs is not null) result[id] = new BundledRelations(edit, thread, refs ?? []);
        }

        return result;
    }

    /// <summary>
    /// The most recent valid replacement of each original (spec "Validity of replacement events"):
    /// same sender and type, neither a state event, and m.new_content present (an encrypted edit
    /// carries it inside its ciphertext, which the server cannot check). Latest by origin_server_ts,
    /// then by the lexicographically largest event ID.
    /// </summary>
    private async Task<Dictionary<string, Pdu>> LatestEditsAsync(HomeserverDbContext db, List<Pdu> originals, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        if (originals.Count == 0) return latest;
        var byId = originals.ToDictionary(p => p.EventId, StringComparer.Ordinal);
        var ids = byId.Keys.ToList();
        var rows = await db.Set<EventRelation>().AsNoTracking()
            .Where(r => ids.Contains(r.RelatesToId) && r.RelType == RelationTypes.Replace)
            .Select(r => new { r.EventId, r.RelatesToId, r.RoomId, r.Sender, r.Type })
            .ToListAsync(cancellationToken);
        var plausible = rows.Where(r => byId[r.RelatesToId] is var original && original.RoomId == r.RoomId && original.Sender == r.Sender && original.Type == r.Type).ToList();
        var pdus = await events.GetManyAsync(db, plausible.Select(r => r.EventId), cancellationToken);

        foreach (var row in plausible)
        {
            if (!pdus.TryGetValue(row.EventId, out var edit) || !IsValidEdit(edit)) continue;
            if (!latest.TryGetValue(row.RelatesToId, out var current) || IsMoreRecent(edit, current)) latest[row.RelatesToId] = edit;
        }

        return latest;
    }

    private static bool IsValidEdit(Pdu edit) =>
        !edit.IsState && (edit.Type == EventTypes.Encrypted || edit.Content["m.new_content"] is JsonObject);

    private static bool IsMoreRecent(Pdu candidate, Pdu current) =>
        candidate.OriginServerTs != current.OriginServerTs
            ? candidate.OriginServerTs > current.OriginServerTs
            : string.CompareOrdinal(candidate.EventId, current.EventId) > 0;

    private static async Task<Dictionary<string, ThreadSummary>> ThreadSummariesAsync(HomeserverDbContext db, List<Pdu> roots, string? userId,
        CancellationToken cancellationToken)
    {
        if (roots.Count == 0) return [];
        var ids = roots.Select(r => r.EventId).ToList();
        var groups = await db.Set<EventRelation>().AsNoTracking()
            .Where(r => ids.Contains(r.RelatesToId) && r.RelType == RelationTypes.Thread)
            .GroupBy(r => new { r.RelatesToId, r.RoomId })
            .Select(g => new
            {
                RootId = g.Key.RelatesToId,
                g.Key.RoomId,
                Count = g.Count(),
                LatestId = g.OrderByDescending(r => r.StreamOrdering).Select(r => r.EventId).First(),
                Mine = g.Count(r => r.Sender == userId),
            })
            .ToListAsync(cancellationToken);
        var byId = roots.ToDictionary(r => r.EventId, StringComparer.Ordinal);
        return groups.Where(g => byId[g.RootId].RoomId == g.RoomId).ToDictionary(
            g => g.RootId,
            g => new ThreadSummary(g.LatestId, g.Count, g.Mine > 0 || byId[g.RootId].Sender == userId),
            StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, List<string>>> ReferencesAsync(HomeserverDbContext db, List<Pdu> parents, CancellationToken cancellationToken)
    {
        var rooms = parents.ToDictionary(p => p.EventId, p => p.RoomId, StringComparer.Ordinal);
        var ids = rooms.Keys.ToList();
        var rows = await db.Set<EventRelation>().AsNoTracking()
            .Where(r => ids.Contains(r.RelatesToId) && r.RelType == RelationTypes.Reference)
            .OrderBy(r => r.StreamOrdering)
            .Select(r => new { r.RelatesToId, r.RoomId, r.EventId })
            .ToListAsync(cancellationToken);
        return rows.Where(r => rooms[r.RelatesToId] == r.RoomId).GroupBy(r => r.RelatesToId).ToDictionary(g => g.Key, g => g.Select(r => r.EventId).ToList(), StringComparer.Ordinal);
    }
}
