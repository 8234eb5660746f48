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
    /// The v2 split: a key missing from any set is conflicted.
    /// </summary>
    public static StateSplit ForV2(IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets)
    {
        var unconflicted = new Dictionary<StateKey, string>();
        var conflicted = new Dictionary<StateKey, HashSet<string>>();
        foreach (var key in stateSets.SelectMany(set => set.Keys).Distinct())
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var inEverySet = true;
            foreach (var set in stateSets)
            {
                if (set.TryGetValue(key, out var id)) ids.Add(id);
                else inEverySet = false;
            }

            if (inEverySet && ids.Count == 1) unconflicted[key] = ids.First();
            else conflicted[key] = ids;
        }

        return new StateSplit(unconflicted, conflicted);
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
