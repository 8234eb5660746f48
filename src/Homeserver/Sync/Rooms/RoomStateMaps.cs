using System.Collections.Immutable;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>
/// Room state at stream positions, from the state groups of the events (no DAG walk): the state at
/// a position is the state after the room's last timeline event at or before it.
/// </summary>
internal sealed class RoomStateMaps(StateGroupStore stateGroups)
{
    /// <summary>The state of each room at its position; rooms with no event by then have empty state.</summary>
    public async Task<Dictionary<string, ImmutableDictionary<StateKey, string>>> AtAsync(HomeserverDbContext db,
        IEnumerable<(string RoomId, long Position)> points, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ImmutableDictionary<StateKey, string>>(StringComparer.Ordinal);
        foreach (var batch in points.GroupBy(p => p.Position))
        {
            var rooms = batch.Select(p => p.RoomId).Distinct().ToList();
            var position = batch.Key;
            var groups = await StateGroups(db, rooms, position).ToListAsync(cancellationToken);
            foreach (var room in rooms) result[room] = ImmutableDictionary<StateKey, string>.Empty;
            foreach (var row in groups)
            {
                if (row.StateGroup is { } group) result[row.RoomId] = await stateGroups.LoadAsync(db, group, cancellationToken);
            }
        }

        return result;
    }

    /// <summary>Each room's state group at the position: the one of its last timeline event at or before it.</summary>
    internal static IQueryable<RoomStateGroup> StateGroups(HomeserverDbContext db, List<string> rooms, long position)
    {
        var events = TimelineLoader.TimelineEvents(db, after: null, position);
        return db.Rooms.AsNoTracking().Where(r => rooms.Contains(r.RoomId)).Select(r => new RoomStateGroup(
            r.RoomId, events.Where(e => e.RoomId == r.RoomId).OrderByDescending(e => e.StreamOrdering).Select(e => e.StateGroup).FirstOrDefault()));
    }

    internal sealed record RoomStateGroup(string RoomId, long? StateGroup);

    /// <summary>The state just before a timeline event: the state after it, with its own entry undone.</summary>
    public async Task<ImmutableDictionary<StateKey, string>> BeforeAsync(IDbSource db, TimelineRow row, CancellationToken cancellationToken)
    {
        if (row.StateGroup is not { } group) return ImmutableDictionary<StateKey, string>.Empty;
        var after = await stateGroups.LoadAsync(db, group, cancellationToken);
        if (row.StateKey is null) return after;
        var key = new StateKey(row.Type, row.StateKey);
        if (!after.TryGetValue(key, out var current) || current != row.EventId) return after;
        return row.ReplacesState is { } replaced ? after.SetItem(key, replaced) : after.Remove(key);
    }
}
