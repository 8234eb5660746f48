using Matrix.Federation.Auth;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// State resolution v2.1 (MSC4297): the conflicted state subgraph, every event on an auth_events path
/// from one conflicted event to another (endpoints included). Replaying these lets iterative auth
/// checks start from an empty state without losing the events that authorize the conflicted ones.
/// </summary>
internal static class ConflictedSubgraph
{
    public static async ValueTask<HashSet<string>> ComputeAsync(EventLoader loader, IReadOnlyCollection<string> conflicted)
    {
        // Every event below some conflicted event...
        var below = await AuthChains.WalkAsync(loader, conflicted);
        below.UnionWith(conflicted);

        // ...that also reaches a conflicted event: walk the reversed edges up from the conflicted events.
        var citedBy = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var id in below)
        {
            if (!loader.TryGet(id, out var stored)) continue;
            foreach (var authId in AuthEventReferences.Of(stored.Pdu))
            {
                if (!below.Contains(authId)) continue;
                if (!citedBy.TryGetValue(authId, out var parents)) citedBy[authId] = parents = [];
                parents.Add(id);
            }
        }

        var subgraph = conflicted.Where(loader.IsLoaded).ToHashSet(StringComparer.Ordinal);
        var pending = new Stack<string>(subgraph);
        while (pending.TryPop(out var id))
        {
            if (!citedBy.TryGetValue(id, out var parents)) continue;
            foreach (var parent in parents)
            {
                if (subgraph.Add(parent)) pending.Push(parent);
            }
        }

        return subgraph;
    }
}
