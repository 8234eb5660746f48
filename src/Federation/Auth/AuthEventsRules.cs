using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// The auth rules about an event's auth_events list itself (rule 2, or 3 in v12): every listed event is
/// known, in the room, a state event the selection algorithm asks for, listed once, and not rejected;
/// and the room's create event is there (listed before v12, implied by the room ID in v12).
/// </summary>
internal static class AuthEventsRules
{
    /// <summary>Checks the list and, when it passes, returns it as a state map to authorize against.</summary>
    public static AuthResult Check(
        Pdu pdu, IReadOnlyCollection<Pdu> authEvents, Func<string, bool> isRejected, out Dictionary<StateKey, Pdu> state)
    {
        state = new Dictionary<StateKey, Pdu>(authEvents.Count);
        var byId = new Dictionary<string, Pdu>(authEvents.Count, StringComparer.Ordinal);
        foreach (var authEvent in authEvents) byId.TryAdd(authEvent.EventId, authEvent);

        var expected = AuthEventSelection.Select(pdu);
        foreach (var id in pdu.AuthEvents)
        {
            if (!byId.TryGetValue(id, out var authEvent)) return AuthResult.Reject($"auth_events: {id} is not known");
            if (authEvent.RoomId != pdu.RoomId) return AuthResult.Reject($"auth_events: {id} is in another room");
            if (!authEvent.IsState) return AuthResult.Reject($"auth_events: {id} is not a state event");

            var key = authEvent.StateTuple;
            if (!state.TryAdd(key, authEvent)) return AuthResult.Reject($"auth_events: more than one entry for {key}");
            if (!expected.Contains(key)) return AuthResult.Reject($"auth_events: {key} is not one the auth events selection asks for");
            if (isRejected(id)) return AuthResult.Reject($"auth_events: {id} was rejected");
        }

        return pdu.Version.RoomIdIsCreateEventHash ? AddImpliedCreate(pdu, byId, isRejected, state) : RequireListedCreate(state);
    }

    private static AuthResult RequireListedCreate(Dictionary<StateKey, Pdu> state) =>
        state.ContainsKey(new StateKey(EventTypes.Create, "")) ? AuthResult.Allowed : AuthResult.Reject("auth_events: no m.room.create event");

    private static AuthResult AddImpliedCreate(
        Pdu pdu, Dictionary<string, Pdu> byId, Func<string, bool> isRejected, Dictionary<StateKey, Pdu> state)
    {
        var createId = AuthEventReferences.CreateEventIdForRoom(pdu.RoomId);
        // Listing it would have failed the selection check above; the room ID alone names it.
        if (!byId.TryGetValue(createId, out var create) || !AuthEventReferences.IsCreateEvent(create))
        {
            return AuthResult.Reject($"room_id: {pdu.RoomId} does not name a known m.room.create event");
        }

        if (isRejected(createId)) return AuthResult.Reject($"room_id: the create event {createId} was rejected");
        state[create.StateTuple] = create;
        return AuthResult.Allowed;
    }
}
