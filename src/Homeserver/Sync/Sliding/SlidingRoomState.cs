using System.Collections.Immutable;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Sync.Rooms;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// A room's required_state for one answer. A room new to the connection (or whose required_state
/// changed) gets every matching entry of its state; otherwise only the matching entries that changed
/// since the room was last sent. Under $LAZY the members of the timeline's senders come along, minus
/// those this connection already has (sync v2's <see cref="LazyMemberCache"/>, under its own key).
/// </summary>
internal sealed class SlidingRoomState(LazyMemberCache lazyMembers)
{
    public void StartConnection(SlidingSyncContext context) => lazyMembers.Reset(context.UserId, context.LazyMemberKey);

    /// <param name="previous">The room's state when last sent; null when everything matching is sent.</param>
    public List<string> Select(SlidingSyncContext context, string roomId, RoomConfig config, ImmutableDictionary<StateKey, string> end,
        ImmutableDictionary<StateKey, string>? previous, IEnumerable<string> timelineSenders, bool initial)
    {
        var spec = config.RequiredState;
        var key = context.LazyMemberKey;
        if (initial) lazyMembers.ForgetRoom(context.UserId, key, roomId);
        var senders = spec.LazyMembers ? timelineSenders.ToHashSet(StringComparer.Ordinal) : [];

        var picked = new List<KeyValuePair<StateKey, string>>();
        foreach (var entry in end)
        {
            var asked = spec.Matches(entry.Key);
            var lazy = !asked && entry.Key.Type == EventTypes.Member && senders.Contains(entry.Key.Key);
            if (!asked && !lazy) continue;
            if (asked && previous is not null && previous.TryGetValue(entry.Key, out var had) && had == entry.Value) continue;
            if (lazy && lazyMembers.WasSent(context.UserId, key, roomId, entry.Key.Key, entry.Value)) continue;
            picked.Add(entry);
        }

        if (spec.LazyMembers)
        {
            lazyMembers.MarkSent(context.UserId, key, roomId, picked.Where(p => p.Key.Type == EventTypes.Member).Select(p => (p.Key.Key, p.Value)));
        }

        return [.. picked.OrderBy(p => p.Key.Type, StringComparer.Ordinal).ThenBy(p => p.Key.Key, StringComparer.Ordinal).Select(p => p.Value)];
    }
}
