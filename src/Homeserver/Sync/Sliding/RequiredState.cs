using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// A room's required_state: [type, state_key] entries, OR-ed. "*" as type or key matches any;
/// "$ME" stands for the requester; ["m.room.member", "$LAZY"] asks for the members of the timeline's
/// senders only (lazy loading). The entries of a room's list and its subscription are merged.
/// </summary>
internal sealed class RequiredState
{
    public const string Wildcard = "*";
    public const string Me = "$ME";
    public const string Lazy = "$LAZY";

    private readonly HashSet<(string Type, string Key)> _entries;

    private RequiredState(HashSet<(string Type, string Key)> entries) => _entries = entries;

    public static RequiredState From(IEnumerable<List<string>>? entries, string userId) =>
        new([.. (entries ?? []).Select(e => (e[0], e[1] == Me ? userId : e[1]))]);

    public RequiredState Merge(RequiredState other) => new([.. _entries.Union(other._entries)]);

    public bool LazyMembers => _entries.Contains((EventTypes.Member, Lazy));

    /// <summary>A stable text of the entries: when it changes the room's state is sent again.</summary>
    public string Key => string.Join('\u001f', _entries.Select(e => e.Type + '\u001e' + e.Key).Order(StringComparer.Ordinal));

    /// <summary>Whether the entry of a state event is asked for (lazy members aside: <see cref="LazyMembers"/>).</summary>
    public bool Matches(StateKey key) =>
        _entries.Contains((key.Type, key.Key)) || _entries.Contains((key.Type, Wildcard)) || _entries.Contains((Wildcard, key.Key)) || _entries.Contains((Wildcard, Wildcard));
}
