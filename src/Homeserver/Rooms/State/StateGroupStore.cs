using System.Collections.Immutable;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>
/// Room state snapshots ("state groups"), stored as deltas over a parent so that a state change in a
/// 10 000-member room writes one row, not 10 000. Every <see cref="MaxChainLength"/> links a full
/// snapshot is written, which bounds how far a load walks. Loaded maps are cached; maps share
/// structure with their parents (immutable dictionaries), so the cache stays small.
/// </summary>
public sealed class StateGroupStore : IDisposable
{
    public const int MaxChainLength = 50;

    /// <summary>Group IDs reserved at a time on PostgreSQL (<see cref="NextIdAsync"/>).</summary>
    private const int ReservedIds = 64;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 2_000_000 });
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _reserved = new();

    /// <summary>The full state (StateKey → event ID) of a group.</summary>
    public async Task<ImmutableDictionary<StateKey, string>> LoadAsync(IDbSource source, long groupId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(groupId, out ImmutableDictionary<StateKey, string>? cached)) return cached!;
        var db = source.Db;

        // The chain from this group up to its snapshot, newest first.
        var chain = await db.StateGroups
            .FromSqlRaw(
                """
                WITH RECURSIVE chain(id, room_id, parent_id, chain_length) AS (
                    SELECT id, room_id, parent_id, chain_length FROM state_groups WHERE id = {0}
                    UNION ALL
                    SELECT g.id, g.room_id, g.parent_id, g.chain_length FROM state_groups g JOIN chain c ON g.id = c.parent_id
                )
                SELECT id, room_id, parent_id, chain_length FROM chain
                """, groupId)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (chain.Count == 0) throw new InvalidOperationException($"state group {groupId} does not exist");

        // Start from the nearest cached ancestor, if any, to read fewer deltas.
        var start = ImmutableDictionary<StateKey, string>.Empty;
        var toApply = new List<long>();
        foreach (var group in chain)
        {
            if (group.Id != groupId && _cache.TryGetValue(group.Id, out ImmutableDictionary<StateKey, string>? ancestor))
            {
                start = ancestor!;
                break;
            }

            toApply.Add(group.Id);
        }

        var entries = await db.StateGroupEntries.AsNoTracking()
            .Where(e => toApply.Contains(e.StateGroupId))
            .GroupJoin(db.Events, e => e.EventNid, ev => ev.Nid, (e, evs) => new { e, evs })
            .SelectMany(x => x.evs.DefaultIfEmpty(), (x, ev) => new { x.e.StateGroupId, x.e.Type, x.e.StateKey, EventId = ev == null ? null : ev.EventId })
            .ToListAsync(cancellationToken);
        var byGroup = entries.ToLookup(e => e.StateGroupId);

        var builder = start.ToBuilder();
        for (var i = toApply.Count - 1; i >= 0; i--)
        {
            foreach (var entry in byGroup[toApply[i]])
            {
                var key = new StateKey(entry.Type, entry.StateKey);
                if (entry.EventId is null) builder.Remove(key);
                else builder[key] = entry.EventId;
            }
        }

        var state = builder.ToImmutable();
        Remember(groupId, state);
        return state;
    }

    /// <summary>
    /// Writes a new group holding <paramref name="state"/>, as a delta over the parent when the chain
    /// allows. Call <see cref="Remember"/> with the result only after the transaction commits. A caller that knows the
    /// parent's chain length, or the numeric IDs of the events that changed, saves a query for each.
    /// </summary>
    public async Task<SavedStateGroup> SaveAsync(HomeserverDbContext db, string roomId, long? parentId, ImmutableDictionary<StateKey, string>? parentState,
        ImmutableDictionary<StateKey, string> state, CancellationToken cancellationToken, int? parentChainLength = null,
        IReadOnlyDictionary<string, long>? knownNids = null)
    {
        var plan = await PlanAsync(db, parentId, parentState, state, parentChainLength, cancellationToken);

        var nids = new Dictionary<string, long>(StringComparer.Ordinal);
        var ids = new List<string>();
        foreach (var id in plan.Changes.Where(c => c.EventId is not null).Select(c => c.EventId!).Distinct())
        {
            if (knownNids?.TryGetValue(id, out var known) == true) nids[id] = known;
            else ids.Add(id);
        }

        foreach (var batch in ids.Chunk(500))
        {
            foreach (var row in await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId)).Select(e => new { e.EventId, e.Nid }).ToListAsync(cancellationToken))
            {
                nids[row.EventId] = row.Nid;
            }
        }

        var group = new StateGroup { RoomId = roomId, ParentId = plan.ParentId, ChainLength = plan.ChainLength };
        db.StateGroups.Add(group);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (key, eventId) in plan.Changes)
        {
            db.StateGroupEntries.Add(new StateGroupEntry
            {
                StateGroupId = group.Id,
                Type = key.Type,
                StateKey = key.Key,
                EventNid = eventId is null ? null : nids.TryGetValue(eventId, out var nid) ? nid
                    : throw new InvalidOperationException($"state refers to unknown event {eventId}"),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        return new SavedStateGroup(group.Id, group.ChainLength);
    }

    /// <summary>
    /// What a new group holding <paramref name="state"/> is made of: a delta over the parent (the keys that changed, a
    /// null event for a key removed) while the chain allows, else the whole state with no parent.
    /// </summary>
    public static async Task<StateGroupPlan> PlanAsync(HomeserverDbContext db, long? parentId, ImmutableDictionary<StateKey, string>? parentState,
        ImmutableDictionary<StateKey, string> state, int? parentChainLength, CancellationToken cancellationToken)
    {
        if (parentId is { } pid && parentChainLength is null)
        {
            parentChainLength = await db.StateGroups.AsNoTracking().Where(g => g.Id == pid).Select(g => g.ChainLength).FirstAsync(cancellationToken);
        }

        var asDelta = parentId is not null && parentState is not null && parentChainLength < MaxChainLength;
        var changes = new List<(StateKey Key, string? EventId)>();
        if (!asDelta)
        {
            changes.AddRange(state.Select(kv => (kv.Key, (string?)kv.Value)));
            return new StateGroupPlan(null, 0, changes);
        }

        foreach (var (key, eventId) in state)
        {
            if (!parentState!.TryGetValue(key, out var old) || old != eventId) changes.Add((key, eventId));
        }

        foreach (var key in parentState!.Keys)
        {
            if (!state.ContainsKey(key)) changes.Add((key, null));
        }

        return new StateGroupPlan(parentId, parentChainLength!.Value + 1, changes);
    }

    /// <summary>
    /// PostgreSQL: an ID for a group written by statements of a batch (which cannot read one back from its insert), from
    /// the table's own sequence, reserved a block at a time: one round trip per <see cref="ReservedIds"/> groups.
    /// </summary>
    public async Task<long> NextIdAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        if (_reserved.TryDequeue(out var id)) return id;
        var block = await db.Database
            .SqlQueryRaw<long>($"SELECT nextval(pg_get_serial_sequence('state_groups', 'id')) AS \"Value\" FROM generate_series(1, {ReservedIds})")
            .ToListAsync(cancellationToken);
        foreach (var reserved in block.Skip(1)) _reserved.Enqueue(reserved);
        return block[0];
    }

    /// <summary>Caches a committed group's state.</summary>
    public void Remember(long groupId, ImmutableDictionary<StateKey, string> state) =>
        _cache.Set(groupId, state, new MemoryCacheEntryOptions { Size = 1 + state.Count / 64 });

    public void Dispose() => _cache.Dispose();
}

/// <summary>A new group's parent (null for a full snapshot), its chain length, and its entries (a null event: the key is removed).</summary>
public sealed record StateGroupPlan(long? ParentId, int ChainLength, List<(StateKey Key, string? EventId)> Changes);

/// <summary>A state group just written (not committed yet): its ID, and how many deltas lie between it and a full snapshot.</summary>
public readonly record struct SavedStateGroup(long Id, int ChainLength);
