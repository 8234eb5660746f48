using Matrix.Federation.Auth;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// Resolves the state of a room across forks (the states after each prev event) with the algorithm of
/// the room's version: v1, v2 (rooms v2–v11) or v2.1 (v12). Stateless and safe to share.
/// </summary>
public sealed class StateResolver(EventAuthorizer authorizer, StateResolutionLimits? limits = null)
{
    private readonly StateResolutionLimits _limits = limits ?? StateResolutionLimits.Default;

    /// <param name="version">The room's version; it picks the algorithm and the auth rules.</param>
    /// <param name="roomId">Every event consulted must be of this room.</param>
    /// <param name="stateSets">The states to resolve, each a map from state key to event ID.</param>
    /// <param name="events">Loads events and says which were rejected.</param>
    /// <param name="authChains">Optional index answering auth chains without walking every event.</param>
    /// <returns>The resolved state. A rejected event is never part of it: one in an input set counts as absent there.</returns>
    /// <exception cref="StateResolutionException">A limit was exceeded, the auth graph loops, or an event is of another room.</exception>
    public async Task<IReadOnlyDictionary<StateKey, string>> ResolveAsync(
        RoomVersion version,
        string roomId,
        IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets,
        IStateEventProvider events,
        IAuthChainProvider? authChains = null,
        CancellationToken cancellationToken = default)
    {
        if (stateSets.Count > _limits.MaxStateSets) throw new StateResolutionException($"more than {_limits.MaxStateSets} state sets");
        var stateEntries = stateSets.Sum(set => (long)set.Count);
        if (stateEntries > _limits.MaxEvents) throw new StateResolutionException($"the state sets hold more than {_limits.MaxEvents} entries");
        if (stateSets.Count == 0) return new Dictionary<StateKey, string>();

        var accepted = await WithoutRejectedAsync(stateSets, events, cancellationToken);
        var loader = new EventLoader(events, roomId, _limits, cancellationToken);
        return version.StateResolution switch
        {
            StateResolutionAlgorithm.V1 => await StateResolutionV1.ResolveAsync(loader, authorizer, accepted),
            StateResolutionAlgorithm.V2 => await StateResolutionV2.ResolveAsync(loader, authorizer, authChains, accepted, isV21: false),
            StateResolutionAlgorithm.V2Point1 => await StateResolutionV2.ResolveAsync(loader, authorizer, authChains, accepted, isV21: true),
            _ => throw new ArgumentOutOfRangeException(nameof(version), version.StateResolution, "unknown state resolution algorithm"),
        };
    }

    /// <summary>Drops rejected events from the input, so none can reach the result through the unconflicted state.</summary>
    private static async ValueTask<IReadOnlyList<IReadOnlyDictionary<StateKey, string>>> WithoutRejectedAsync(
        IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets, IStateEventProvider events, CancellationToken cancellationToken)
    {
        var ids = stateSets.SelectMany(set => set.Values).ToHashSet(StringComparer.Ordinal);
        var rejected = await events.GetRejectedAsync(ids, cancellationToken);
        if (rejected.Count == 0) return stateSets;
        return stateSets.Select(set => (IReadOnlyDictionary<StateKey, string>)set.Where(entry => !rejected.Contains(entry.Value)).ToDictionary()).ToList();
    }
}
