using System.Security.Cryptography;
using System.Text;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The original algorithm of room version 1: conflicts are settled type by type (power levels, then
/// join rules, then memberships, then the rest), each against the state settled so far. Known to reset
/// state; kept only for v1 rooms. Follows Synapse where the spec leaves details open.
/// </summary>
internal static class StateResolutionV1
{
    public static async ValueTask<Dictionary<StateKey, string>> ResolveAsync(
        EventLoader loader, EventAuthorizer authorizer, IReadOnlyList<IReadOnlyDictionary<StateKey, string>> stateSets)
    {
        var split = StateSplit.ForV1(stateSets);
        var resolved = split.Unconflicted;
        if (split.Conflicted.Count == 0) return resolved;

        await loader.LoadAsync(split.ConflictedEventIds);
        var conflicted = split.Conflicted.ToDictionary(
            entry => entry.Key,
            entry => entry.Value.Where(loader.IsLoaded).Select(loader.Get).ToList());

        // The conflicted events are checked against the unconflicted state's events for the keys they need.
        var keysNeeded = conflicted.Values.SelectMany(events => events).SelectMany(IterativeAuthChecks.KeysToConsult).ToHashSet();
        var authIds = keysNeeded.Where(resolved.ContainsKey).ToDictionary(key => key, key => resolved[key]);
        await loader.LoadAsync(authIds.Values);
        var authState = authIds.Where(entry => loader.IsLoaded(entry.Value)).ToDictionary(entry => entry.Key, entry => loader.Get(entry.Value));

        foreach (var (key, events) in conflicted)
        {
            if (events.Count == 1) resolved[key] = events[0].EventId;
        }

        var contested = conflicted.Where(entry => entry.Value.Count > 1).ToDictionary(entry => entry.Key, entry => entry.Value);
        SettlePass(key => key == new StateKey(EventTypes.PowerLevels, ""), events => ResolveAuthEvents(authorizer, events, authState));
        SettlePass(key => key.Type == EventTypes.JoinRules, events => ResolveAuthEvents(authorizer, events, authState));
        SettlePass(key => key.Type == EventTypes.Member, events => ResolveAuthEvents(authorizer, events, authState));
        SettlePass(_ => true, events => ResolveNormalEvents(authorizer, events, authState));
        return resolved;

        // Every key of a pass is settled against the state before the pass; then the winners join it.
        void SettlePass(Func<StateKey, bool> inPass, Func<List<Pdu>, Pdu> resolve)
        {
            var winners = contested.Where(entry => inPass(entry.Key)).Select(entry => resolve(entry.Value)).ToList();
            foreach (var winner in winners)
            {
                contested.Remove(winner.StateTuple);
                resolved[winner.StateTuple] = winner.EventId;
                authState[winner.StateTuple] = winner;
            }
        }
    }

    /// <summary>
    /// From the oldest (lowest depth, then highest SHA-1 of the event ID), each next event must be allowed
    /// on top of the one before; the last one so allowed wins.
    /// </summary>
    private static Pdu ResolveAuthEvents(EventAuthorizer authorizer, List<Pdu> events, Dictionary<StateKey, Pdu> authState)
    {
        var oldestFirst = NewestFirst(events);
        oldestFirst.Reverse();
        var keys = events.SelectMany(IterativeAuthChecks.KeysToConsult).ToHashSet();
        var state = authState.Where(entry => keys.Contains(entry.Key)).ToDictionary(entry => entry.Key, entry => entry.Value);

        var winner = oldestFirst[0];
        foreach (var candidate in oldestFirst.Skip(1))
        {
            state[winner.StateTuple] = winner;
            if (!authorizer.Authorize(candidate, state).IsAllowed) return winner;
            winner = candidate;
        }

        return winner;
    }

    /// <summary>The newest event (highest depth, then lowest SHA-1) that is allowed; the oldest if none is.</summary>
    private static Pdu ResolveNormalEvents(EventAuthorizer authorizer, List<Pdu> events, Dictionary<StateKey, Pdu> authState)
    {
        var newestFirst = NewestFirst(events);
        return newestFirst.FirstOrDefault(e => authorizer.Authorize(e, authState).IsAllowed) ?? newestFirst[^1];
    }

    private static List<Pdu> NewestFirst(IEnumerable<Pdu> events) =>
        events.OrderByDescending(e => e.Depth).ThenBy(e => Sha1Hex(e.EventId), StringComparer.Ordinal).ToList();

#pragma warning disable CA5350 // The v1 algorithm is defined in terms of SHA-1; it is an ordering, not a security measure.
    private static string Sha1Hex(string eventId) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(eventId)));
#pragma warning restore CA5350
}
