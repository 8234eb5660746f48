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
    public async Task<List<string>> FilterAsync(HomeserverDbContext db, string roomId, string userId, IReadOnlyList<string> eventIds, CancellationToken cancellationToken)
    {
        if (eventIds.Count == 0) return [];
        var rows = await db.Events.AsNoTracking()
            .Where(e => e.RoomId == roomId && eventIds.Contains(e.EventId))
            .Select(e => new { e.EventId, e.StateGroup, e.ReplacesState, e.Type, e.StateKey, e.Sender })
            .ToDictionaryAsync(e => e.EventId, cancellationToken);
        var currentMembership = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && m.UserId == userId).Select(m => m.Membership).FirstOrDefaultAsync(cancellationToken);
        var memberKey = new StateKey(EventTypes.Member, userId);

        var visible = new List<string>(eventIds.Count);
        foreach (var id in eventIds)
        {
            if (!rows.TryGetValue(id, out var row) || row.StateGroup is not { } group) continue;
            // The user always sees their own membership changes.
            if (row.Type == EventTypes.Member && row.StateKey == userId)
            {
                visible.Add(id);
                continue;
            }

            var state = await stateGroups.LoadAsync(db, group, cancellationToken);
            // The state at a state event is the state before it: undo its own entry.
            string? Before(StateKey key) =>
                row.StateKey is not null && row.Type == key.Type && row.StateKey == key.Key ? row.ReplacesState : state.GetValueOrDefault(key);

            var visibility = await ContentStringAsync(db, Before(VisibilityKey), "history_visibility", cancellationToken) ?? "shared";
            var membership = await ContentStringAsync(db, Before(memberKey), "membership", cancellationToken);
            if (IsVisible(visibility, membership, currentMembership)) visible.Add(id);
        }

        return visible;
    }

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

    private async Task<string?> ContentStringAsync(HomeserverDbContext db, string? eventId, string key, CancellationToken cancellationToken)
    {
        if (eventId is null) return null;
        var pdu = await events.GetAsync(db, eventId, cancellationToken);
        return pdu?.Content[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
    }
}
