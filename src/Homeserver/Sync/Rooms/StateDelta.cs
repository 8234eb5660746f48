using System.Collections.Immutable;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.Sync.Rooms;

/// <summary>
/// Lazy-loading of members for one room: the members whose events the client needs (timeline
/// senders, heroes, themselves on a fresh room), and those it must get even if sent before.
/// </summary>
internal sealed record LazyMembers(IReadOnlySet<string> Needed, IReadOnlySet<string> Forced);

/// <summary>
/// Which state events a room's sync entry carries, from the state at the previous sync (null when
/// the room is fresh to the client), at the start and at the end of the timeline. As Synapse
/// computes it: what is in the start or end state, minus what the client has, minus the timeline
/// itself, so forks in the DAG cannot hide a change. With use_state_after, the end state against
/// the previous one. Lazy loading keeps only the members the client needs, plus every member that
/// changed in a gap (the spec requires those even when redundant).
/// </summary>
internal static class StateDelta
{
    public static Dictionary<StateKey, string> Compute(
        ImmutableDictionary<StateKey, string>? previous,
        ImmutableDictionary<StateKey, string> start,
        ImmutableDictionary<StateKey, string> end,
        IReadOnlySet<string> timeline,
        bool limited,
        bool stateAfter,
        LazyMembers? lazy,
        out HashSet<string> gapMembers)
    {
        gapMembers = new HashSet<string>(StringComparer.Ordinal);
        var result = new Dictionary<StateKey, string>();
        var delta = previous is null || limited || stateAfter;
        if (delta)
        {
            var known = previous is null ? new HashSet<string>(StringComparer.Ordinal) : previous.Values.ToHashSet(StringComparer.Ordinal);
            foreach (var key in start.Keys.Union(end.Keys))
            {
                var pick = stateAfter
                    ? end.GetValueOrDefault(key) is { } e && !known.Contains(e) ? e : null
                    : Candidates(start, end, key).FirstOrDefault(id => !known.Contains(id) && !timeline.Contains(id));
                if (pick is null) continue;
                if (lazy is not null && key.Type == EventTypes.Member && previous is not null)
                {
                    // A member who changed while the client was not looking: required, redundant or not.
                    gapMembers.Add(key.Key);
                }

                if (lazy is null || key.Type != EventTypes.Member || previous is not null || lazy.Needed.Contains(key.Key)) result[key] = pick;
            }
        }

        if (lazy is null) return result;
        AddNeededMembers(result, stateAfter ? end : start, timeline, stateAfter, lazy);
        return result;
    }

    /// <summary>
    /// Only the members a lazy-loading client needs, from <paramref name="source"/>: the whole state section of a room whose
    /// timeline follows on from the client's last sync (nothing changed that the timeline does not show).
    /// </summary>
    public static Dictionary<StateKey, string> NeededMembers(ImmutableDictionary<StateKey, string> source, IReadOnlySet<string> timeline, LazyMembers lazy)
    {
        var result = new Dictionary<StateKey, string>();
        AddNeededMembers(result, source, timeline, stateAfter: false, lazy);
        return result;
    }

    /// <summary>
    /// Members the client needs are sent from the state the timeline starts from (or the state after it), known or not:
    /// a lazy-loading client only has the members it was sent, and the caller drops repeats.
    /// </summary>
    private static void AddNeededMembers(Dictionary<StateKey, string> result, ImmutableDictionary<StateKey, string> source, IReadOnlySet<string> timeline,
        bool stateAfter, LazyMembers lazy)
    {
        foreach (var user in lazy.Needed)
        {
            var key = new StateKey(EventTypes.Member, user);
            if (source.TryGetValue(key, out var id) && (stateAfter || !timeline.Contains(id))) result[key] = id;
        }
    }

    private static IEnumerable<string> Candidates(ImmutableDictionary<StateKey, string> start, ImmutableDictionary<StateKey, string> end, StateKey key)
    {
        if (start.TryGetValue(key, out var s)) yield return s;
        if (end.TryGetValue(key, out var e)) yield return e;
    }
}
