using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The full conflicted set: the conflicted state set and the auth difference, plus in v2.1 the
/// conflicted state subgraph. Returned loaded and restricted to known state events, the only ones the
/// later steps can order and apply.
/// </summary>
internal static class FullConflictedSet
{
    public static async ValueTask<HashSet<string>> ComputeAsync(
        EventLoader loader, IAuthChainProvider? index, StateSplit split, IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets, bool withSubgraph)
    {
        var conflicted = split.ConflictedEventIds.ToHashSet(StringComparer.Ordinal);
        var full = await AuthDifference.ComputeAsync(loader, index, split, stateSets);
        full.UnionWith(conflicted);
        // The subgraph needs the auth edges themselves, so it walks events even when an index answers chains.
        if (withSubgraph) full.UnionWith(await ConflictedSubgraph.ComputeAsync(loader, conflicted));

        await loader.LoadAsync(full);
        full.RemoveWhere(id => !loader.TryGet(id, out var stored) || !stored.Pdu.IsState);
        return full;
    }
}
