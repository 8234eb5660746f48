using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>
/// History visibility (spec: "History visibility", server behaviour, as Synapse applies it): which
/// of a room's events a user may see, judged by m.room.history_visibility and the user's membership
/// in the state at each event. Every path that serves room events to a client filters through here.
/// </summary>
public sealed class EventVisibility(StateGroupStore stateGroups, EventStore events)
{
    private static readonly StateKey VisibilityKey = new(EventTypes.HistoryVisibility, "");

    /// <summary>The IDs among <paramref name="eventIds"/> (all of one room) the user may see, in order.</summary>
    public async Task<List<string>> FilterAsync(HomeserverDbContext db, string roomId, string userId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken,
        VisibilityKnown? known = null) =>
        (await FilterManyAsync(db, userId, new Dictionary<string, IReadOnlyList<string>> { [roomId] = eventIds }, cancellationToken, known))[roomId];

    /// <summary>
    /// <see cref="FilterAsync"/> for several rooms at once (sync's timelines): the same rule, with the
    /// rows, memberships and state events read in batches rather than per room. What <paramref name="known"/>
    /// holds is not read again.
    /// </summary>
    public async Task<Dictionary<string, List<string>>> FilterManyAsync(HomeserverDbContext db, string userId,
        IReadOnlyDictionary<string, IReadOnlyList<string>> eventIdsByRoom, CancellationToken cancellationToken, VisibilityKnown? known = null)
    {
        var result = eventIdsByRoom.ToDictionary(r => r.Key, _ => new List<string>(), StringComparer.Ordinal);
        var rooms = eventIdsByRoom.Where(r => r.Value.Count > 0).Select(r => r.Key).ToList();
        if (rooms.Count == 0) return result;
        var rows = new Dictionary<string, VisibilityRow>(StringComparer.Ordinal);
        foreach (var row in known?.Rows ?? []) rows[row.EventId] = row;
        foreach (var batch in eventIdsByRoom.Values.SelectMany(ids => ids).Where(id => !rows.ContainsKey(id)).Distinct().Chunk(500))
        {
            foreach (var row in await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId))
                         .Select(e => new VisibilityRow(e.EventId, e.RoomId, e.StateGroup, e.ReplacesState, e.Type, e.StateKey)).ToListAsync(cancellationToken))
            {
                rows[row.EventId] = row;
            }
        }

        var currentMembership = new Dictionary<string, string?>(known?.Memberships ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        var unknownRooms = rooms.Where(r => !currentMembership.ContainsKey(r)).ToList();
        if (unknownRooms.Count > 0)
        {
            foreach (var m in await db.RoomMemberships.AsNoTracking().Where(m => m.UserId == userId && unknownRooms.Contains(m.RoomId))
                         .Select(m => new { m.RoomId, m.Membership }).ToListAsync(cancellationToken))
            {
                currentMembership[m.RoomId] = m.Membership;
            }
        }

        var memberKey = new StateKey(EventTypes.Member, userId);

        // The visibility and membership events in force at each event, then their contents in one batch.
        var inForce = new Dictionary<string, (string? Visibility, string? Membership)>(StringComparer.Ordinal);
        foreach (var (roomId, eventIds) in eventIdsByRoom)
        {
            foreach (var id in eventIds)
            {
                if (!rows.TryGetValue(id, out var row) || row.RoomId != roomId || row.StateGroup is not { } group) continue;
                if (row.Type == EventTypes.Member && row.StateKey == userId) continue;
                var state = await stateGroups.LoadAsync(db, group, cancellationToken);
                inForce[id] = (StateBefore(row, state, VisibilityKey), StateBefore(row, state, memberKey));
            }
        }

        var contents = await events.GetManyAsync(db, inForce.Values.SelectMany(v => new[] { v.Visibility, v.Membership }).OfType<string>(), cancellationToken);
        string? ContentString(string? eventId, string key) =>
            eventId is not null && contents.TryGetValue(eventId, out var pdu) && pdu.Content[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

        foreach (var (roomId, eventIds) in eventIdsByRoom)
        {
            foreach (var id in eventIds)
            {
                if (!rows.TryGetValue(id, out var row) || row.RoomId != roomId || row.StateGroup is null) continue;
                // The user always sees their own membership changes.
                if (!inForce.TryGetValue(id, out var at))
                {
                    result[roomId].Add(id);
                    continue;
                }

                var visibility = ContentString(at.Visibility, "history_visibility") ?? "shared";
                if (IsVisible(visibility, ContentString(at.Membership, "membership"), currentMembership.GetValueOrDefault(roomId))) result[roomId].Add(id);
            }
        }

        return result;
    }

    /// <summary>The events among <paramref name="eventIds"/> (of any rooms) at which the user was joined to their room.</summary>
    public async Task<HashSet<string>> JoinedAtAsync(HomeserverDbContext db, string userId, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var memberKey = new StateKey(EventTypes.Member, userId);
        var rows = await db.Events.AsNoTracking().Where(e => eventIds.Contains(e.EventId))
            .Select(e => new VisibilityRow(e.EventId, e.RoomId, e.StateGroup, e.ReplacesState, e.Type, e.StateKey)).ToListAsync(cancellationToken);
        var memberships = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.StateGroup is not { } group) continue;
            var state = await stateGroups.LoadAsync(db, group, cancellationToken);
            if (StateBefore(row, state, memberKey) is { } member) memberships[row.EventId] = member;
        }

        var contents = await events.GetManyAsync(db, memberships.Values, cancellationToken);
        return [.. memberships.Where(m => contents.TryGetValue(m.Value, out var pdu) && pdu.Membership == Memberships.Join).Select(m => m.Key)];
    }

    /// <summary>The event in force for <paramref name="key"/> at the event of <paramref name="row"/> (its state group holds the state after it): for a
    /// state event of that key, the one it replaced.</summary>
    private static string? StateBefore(VisibilityRow row, IReadOnlyDictionary<StateKey, string> stateAfter, StateKey key) =>
        row.StateKey is not null && row.Type == key.Type && row.StateKey == key.Key ? row.ReplacesState : stateAfter.GetValueOrDefault(key);

    /// <summary>The rule itself: visibility at the event, membership at the event, and membership now.</summary>
    public static bool IsVisible(string visibility, string? membershipAtEvent, string? currentMembership) => visibility switch
    {
        "world_readable" => true,
        _ when membershipAtEvent == Memberships.Join => true,
        "invited" => membershipAtEvent == Memberships.Invite,
        // Shared history is readable by members: those joined now (not peeking), whatever they were then.
        "joined" => false,
        _ => currentMembership == Memberships.Join,
    };
}

/// <summary>What visibility is judged from for one event: its room, the state after it, and what it replaced when it is state.</summary>
public sealed record VisibilityRow(string EventId, string RoomId, long? StateGroup, string? ReplacesState, string Type, string? StateKey);

/// <summary>
/// What a caller already read, so that <see cref="EventVisibility"/> does not read it again: the rows of some of the
/// events, and the user's membership now in some rooms (null: none).
/// </summary>
public sealed record VisibilityKnown(IReadOnlyCollection<VisibilityRow> Rows, IReadOnlyDictionary<string, string?> Memberships);
