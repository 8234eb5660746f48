using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The unconflicted state map (keys every state set holds with the same event) and the conflicted
/// state set (every other key, with each event some set holds for it).
/// </summary>
internal sealed class StateSplit
{
    private StateSplit(Dictionary<StateKey, string> unconflicted, Dictionary<StateKey, HashSet<string>> conflicted)
    {
        Unconflicted = unconflicted;
        Conflicted = conflicted;
    }

    public Dictionary<StateKey, string> Unconflicted { get; }
    public Dictionary<StateKey, HashSet<string>> Conflicted { get; }

    public IEnumerable<string> ConflictedEventIds => Conflicted.Values.SelectMany(ids => ids);

    /// <summary>
    /// The v2 split: a key missing from any set is conflicted. Each entry is looked up once per set and
    /// only conflicted keys allocate, so splitting two 10 000-member states stays cheap.
    /// </summary>
    public static StateSplit ForV2(IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets)
    {
        var unconflicted = new Dictionary<StateKey, string>(stateSets[0].Count);
        var conflicted = new Dictionary<StateKey, HashSet<string>>();
        for (var i = 0; i < stateSets.Count; i++)
        {
            foreach (var (key, id) in stateSets[i])
            {
                // A key is decided at the first set holding it; earlier sets lack it, which conflicts it.
                if (unconflicted.ContainsKey(key) || conflicted.ContainsKey(key)) continue;
                if (i == 0 && HeldAlikeByAll(stateSets, key, id)) unconflicted[key] = id;
                else conflicted[key] = EventsFor(stateSets, key);
            }
        }

        return new StateSplit(unconflicted, conflicted);
    }

    private static bool HeldAlikeByAll(IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets, StateKey key, string id)
    {
        for (var j = 1; j < stateSets.Count; j++)
        {
            if (!stateSets[j].TryGetValue(key, out var other) || other != id) return false;
        }

        return true;
    }

    private static HashSet<string> EventsFor(IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets, StateKey key)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in stateSets)
        {
            if (set.TryGetValue(key, out var id)) ids.Add(id);
        }

        return ids;
    }

    /// <summary>
    /// The v1 split: only keys held with different events conflict; a key some sets lack is unconflicted.
    /// </summary>
    public static StateSplit ForV1(IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets)
    {
        var unconflicted = new Dictionary<StateKey, string>();
        var conflicted = new Dictionary<StateKey, HashSet<string>>();
        foreach (var set in stateSets)
        {
            foreach (var (key, id) in set)
            {
                if (conflicted.TryGetValue(key, out var ids)) ids.Add(id);
                else if (!unconflicted.TryGetValue(key, out var held)) unconflicted[key] = id;
                else if (held != id)
                {
                    conflicted[key] = new HashSet<string>(StringComparer.Ordinal) { held, id };
                    unconflicted.Remove(key);
                }
            }
        }

        return new StateSplit(unconflicted, conflicted);
    }
}
