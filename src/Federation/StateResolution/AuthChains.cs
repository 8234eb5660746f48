using Matrix.Federation.Auth;

namespace Matrix.Federation.StateResolution;

/// <summary>Walks auth_events edges breadth-first, loading each frontier in one batch. Each event is visited once, so cycles end the walk.</summary>
internal static class AuthChains
{
    /// <summary>
    /// The union of the auth chains of <paramref name="starts"/>. The walk does not enter events for
    /// which <paramref name="stopAt"/> holds (callers pass a set already closed under auth edges).
    /// </summary>
    public static async ValueTask<HashSet<string>> WalkAsync(EventLoader loader, IEnumerable<string> starts, Func<string, bool>? stopAt = null)
    {
        var chain = new HashSet<string>(StringComparer.Ordinal);
        var frontier = starts.ToHashSet(StringComparer.Ordinal);
        var expanded = new HashSet<string>(StringComparer.Ordinal);
        while (frontier.Count > 0)
        {
            await loader.LoadAsync(frontier);
            var next = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in frontier)
            {
                if (!expanded.Add(id) || !loader.TryGet(id, out var stored)) continue;
                foreach (var authId in AuthEventReferences.Of(stored.Pdu))
                {
                    if (stopAt?.Invoke(authId) == true || !chain.Add(authId)) continue;
                    next.Add(authId);
                }
            }

            frontier = next;
        }

        return chain;
    }

    /// <summary>The union of the auth chains of <paramref name="eventIds"/>, from the host's index when it has one.</summary>
    public static async ValueTask<IReadOnlySet<string>> UnionAsync(
        EventLoader loader, IAuthChainProvider? index, IReadOnlyCollection<string> eventIds, Func<string, bool>? stopAt = null)
    {
        if (eventIds.Count == 0) return new HashSet<string>();
        if (index is null) return await WalkAsync(loader, eventIds, stopAt);

        var chain = await index.GetAuthChainUnionAsync(eventIds, loader.CancellationToken);
        if (chain.Count > loader.Limits.MaxEvents) throw new StateResolutionException($"an auth chain holds more than {loader.Limits.MaxEvents} events");
        return chain;
    }
}
