using Matrix.Federation.Auth;
using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The reverse topological power ordering: Kahn's algorithm over the auth DAG of the power events (and
/// the events of the full conflicted set below them), always taking next, among the events whose auth
/// events are all placed, the one whose sender has the highest power, then the earliest
/// origin_server_ts, then the smallest event ID.
/// </summary>
internal static class ReverseTopologicalPowerOrdering
{
    public static async ValueTask<List<string>> SortAsync(EventLoader loader, IEnumerable<string> powerEvents, IReadOnlySet<string> fullConflictedSet)
    {
        // The power events and what they cite inside the full conflicted set. Like Synapse and ruma, only
        // edges within the set are followed.
        var authEdges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var pending = new Stack<string>(powerEvents);
        while (pending.TryPop(out var id))
        {
            if (authEdges.ContainsKey(id)) continue;
            var edges = AuthEventReferences.Of(loader.Get(id)).Where(fullConflictedSet.Contains).Distinct(StringComparer.Ordinal).ToList();
            authEdges[id] = edges;
            foreach (var authId in edges) pending.Push(authId);
        }

        await loader.LoadAuthEventsAsync(authEdges.Keys);
        var order = authEdges.Keys.ToDictionary(id => id, id => SortKey.For(loader, loader.Get(id)), StringComparer.Ordinal);

        var citedBy = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unplacedAuthEvents = new Dictionary<string, int>(StringComparer.Ordinal);
        var ready = new PriorityQueue<string, SortKey>();
        foreach (var (id, edges) in authEdges)
        {
            unplacedAuthEvents[id] = edges.Count;
            if (edges.Count == 0) ready.Enqueue(id, order[id]);
            foreach (var authId in edges)
            {
                if (!citedBy.TryGetValue(authId, out var parents)) citedBy[authId] = parents = [];
                parents.Add(id);
            }
        }

        var sorted = new List<string>(authEdges.Count);
        while (ready.TryDequeue(out var id, out _))
        {
            sorted.Add(id);
            foreach (var parent in citedBy.GetValueOrDefault(id) ?? [])
            {
                if (--unplacedAuthEvents[parent] == 0) ready.Enqueue(parent, order[parent]);
            }
        }

        if (sorted.Count != authEdges.Count) throw new StateResolutionException("the auth events of the conflicted power events form a cycle");
        return sorted;
    }

    /// <summary>Smaller sorts first: higher sender power, then earlier timestamp, then smaller event ID.</summary>
    private readonly record struct SortKey(long SenderLevel, long OriginServerTs, string EventId) : IComparable<SortKey>
    {
        public static SortKey For(EventLoader loader, Pdu pdu) => new(PowerEvents.SenderLevel(loader, pdu), pdu.OriginServerTs, pdu.EventId);

        public int CompareTo(SortKey other)
        {
            var byPower = other.SenderLevel.CompareTo(SenderLevel);
            if (byPower != 0) return byPower;
            var byTime = OriginServerTs.CompareTo(other.OriginServerTs);
            return byTime != 0 ? byTime : string.CompareOrdinal(EventId, other.EventId);
        }
    }
}
