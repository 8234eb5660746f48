using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// State resolution v2 (rooms v2–v11) and v2.1 (v12, MSC4297): the spec's five steps over the full
/// conflicted set, each step in its own type.
/// </summary>
internal static class StateResolutionV2
{
    public static async ValueTask<Dictionary<StateKey, string>> ResolveAsync(
        EventLoader loader, EventAuthorizer authorizer, IAuthChainProvider? index,
        IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets, bool isV21)
    {
        var split = StateSplit.ForV2(stateSets);
        if (split.Conflicted.Count == 0) return split.Unconflicted;

        var fullConflictedSet = await FullConflictedSet.ComputeAsync(loader, index, split, stateSets, withSubgraph: isV21);

        // 1. The power events (and the conflicted events below them), in reverse topological power order.
        var powerEvents = fullConflictedSet.Where(id => PowerEvents.IsPowerEvent(loader.Get(id)));
        var sortedPowerEvents = await ReverseTopologicalPowerOrdering.SortAsync(loader, powerEvents, fullConflictedSet);

        // 2. Replay them: v2 starts from the unconflicted state, v2.1 from nothing, so a bogus
        //    unconflicted entry cannot authorize a conflicted event.
        IReadOnlyDictionary<StateKey, string> initial = isV21 ? new Dictionary<StateKey, string>() : split.Unconflicted;
        var partial = await IterativeAuthChecks.RunAsync(loader, authorizer, sortedPowerEvents, initial);

        // 3–4. The other events, in mainline order of the resolved power levels, replayed on top.
        var placed = sortedPowerEvents.ToHashSet(StringComparer.Ordinal);
        var others = fullConflictedSet.Where(id => !placed.Contains(id)).ToList();
        var resolvedPowerLevels = partial.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, ""));
        var sortedOthers = await MainlineOrdering.SortAsync(loader, others, resolvedPowerLevels);
        var resolved = await IterativeAuthChecks.RunAsync(loader, authorizer, sortedOthers, partial);

        // 5. The unconflicted state always stands.
        foreach (var (key, id) in split.Unconflicted) resolved[key] = id;
        return resolved;
    }
}
