using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The auth difference: the events in some but not all of the state sets' full auth chains.
/// </summary>
/// <remarks>
/// Every set holds the unconflicted events, so the auth chain of those (C_U) lies in every full chain
/// and nothing in it differs. Each set's full chain is C_U plus the chain of its conflicted events, so
/// the difference is the union minus the intersection of the conflicted chains, each taken outside
/// C_U. C_U is still walked once (or read from the host's index); the per-set walks stop at it.
/// </remarks>
internal static class AuthDifference
{
    public static async ValueTask<HashSet<string>> ComputeAsync(
        EventLoader loader, IAuthChainProvider? index, StateSplit split, IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets)
    {
        var unconflictedChain = await AuthChains.UnionAsync(loader, index, split.Unconflicted.Values.ToHashSet(StringComparer.Ordinal));

        var union = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>? intersection = null;
        foreach (var set in stateSets)
        {
            var conflictedHere = split.Conflicted.Keys.Where(set.ContainsKey).Select(key => set[key]).ToHashSet(StringComparer.Ordinal);
            var chain = (await AuthChains.UnionAsync(loader, index, conflictedHere, unconflictedChain.Contains)).ToHashSet(StringComparer.Ordinal);
            chain.ExceptWith(unconflictedChain);

            union.UnionWith(chain);
            if (intersection is null) intersection = chain;
            else intersection.IntersectWith(chain);
        }

        if (intersection is not null) union.ExceptWith(intersection);
        return union;
    }
}
