using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// Iterative auth checks: applies each event in order to the state when the authorization rules allow
/// it against that state. A key the rules need but the state lacks is taken from the event's own auth
/// events, unless that auth event was rejected. Rejected events are never applied: the rejection stands.
/// </summary>
internal static class IterativeAuthChecks
{
    private static readonly StateKey CreateKey = new(EventTypes.Create, "");

    public static async ValueTask<Dictionary<StateKey, string>> RunAsync(
        EventLoader loader, EventAuthorizer authorizer, IReadOnlyList<string> sortedEvents, IReadOnlyDictionary<StateKey, string> initialState)
    {
        // One batch for every auth event and every state entry the checks can consult.
        await loader.LoadAsync(sortedEvents.SelectMany(id =>
            AuthEventReferences.Of(loader.Get(id)).Concat(KeysToConsult(loader.Get(id)).Where(initialState.ContainsKey).Select(key => initialState[key]))));

        var state = new Dictionary<StateKey, string>(initialState);
        foreach (var id in sortedEvents)
        {
            if (!loader.TryGet(id, out var stored) || stored.IsRejected) continue;
            var pdu = stored.Pdu;

            var authState = new Dictionary<StateKey, Pdu>();
            foreach (var authEvent in loader.AuthEventsOf(pdu))
            {
                if (!authEvent.IsRejected && authEvent.Pdu.IsState) authState[authEvent.Pdu.StateTuple] = authEvent.Pdu;
            }

            foreach (var key in KeysToConsult(pdu))
            {
                if (state.TryGetValue(key, out var currentId) && loader.TryGet(currentId, out var current) && !current.IsRejected) authState[key] = current.Pdu;
            }

            if (authorizer.Authorize(pdu, authState).IsAllowed) state[pdu.StateTuple] = id;
        }

        return state;
    }

    /// <summary>The state keys the rules read for <paramref name="pdu"/>: its auth events selection and the create event.</summary>
    internal static IEnumerable<StateKey> KeysToConsult(Pdu pdu) => AuthEventSelection.Select(pdu).Append(CreateKey);
}
