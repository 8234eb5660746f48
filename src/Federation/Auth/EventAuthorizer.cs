using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>
/// The authorization rules of every room version (1–12), one implementation reading the
/// <see cref="RoomVersion"/> flags where the rules differ. It looks up only the few state keys a rule
/// needs, so its cost does not grow with the room's membership.
/// </summary>
public sealed class EventAuthorizer(IAuthSignatureVerifier signatures)
{
    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly IReadOnlyDictionary<StateKey, Pdu> EmptyState = new Dictionary<StateKey, Pdu>();

    private readonly MembershipRules _membership = new(signatures);

    /// <summary>
    /// Authorizes <paramref name="pdu"/> against its own auth events (check 4 on receipt of a PDU): the
    /// auth_events list is checked first, then every other rule runs against those events as the state.
    /// </summary>
    /// <param name="authEvents">
    /// The events <see cref="AuthEventReferences.Of"/> names (in v12 that includes the create event the
    /// room ID implies). A listed event missing here rejects the event.
    /// </param>
    /// <param name="isRejected">Whether an auth event was itself rejected.</param>
    public AuthResult AuthorizeByAuthEvents(Pdu pdu, IReadOnlyCollection<Pdu> authEvents, Func<string, bool> isRejected)
    {
        // Rule 1 judges any m.room.create on its own (Synapse does not look at its state_key either).
        if (pdu.Type == EventTypes.Create) return Authorize(pdu, EmptyState);
        var listed = AuthEventsRules.Check(pdu, authEvents, isRejected, out var state);
        return listed.IsAllowed ? Authorize(pdu, state) : listed;
    }

    /// <summary>
    /// Every rule except the checks of the auth_events list itself, against <paramref name="state"/>: the
    /// state before the event, the room's current state (soft failure), or state resolution's partial
    /// state. The map must hold accepted events only.
    /// </summary>
    public AuthResult Authorize(Pdu pdu, IReadOnlyDictionary<StateKey, Pdu> state)
    {
        var version = pdu.Version;
        if (pdu.Type == EventTypes.Create) return CreateRules.Check(pdu);

        if (!state.TryGetValue(CreateKey, out var create)) return AuthResult.Reject("no m.room.create event in the state");
        if (create.RoomId != pdu.RoomId) return AuthResult.Reject("the m.room.create event is of another room");
        if (version.RoomIdIsCreateEventHash && create.EventId != AuthEventReferences.CreateEventIdForRoom(pdu.RoomId))
        {
            return AuthResult.Reject("room_id: does not name the room's m.room.create event");
        }

        if (!CreateEventContent.Of(create).CanFederate && pdu.SenderDomain != create.SenderDomain)
        {
            return AuthResult.Reject("m.federate is false and the sender is on another server than the creator");
        }

        if (version.SpecialCaseAliasesAuth && pdu.Type == EventTypes.Aliases) return CheckAliases(pdu);
        if (pdu.Type == EventTypes.Member) return _membership.Check(pdu, state, create);

        if (new RoomView(state).MembershipOf(pdu.Sender) != Memberships.Join) return AuthResult.Reject("the sender is not joined to the room");

        var levels = PowerLevels.FromState(state);
        var senderLevel = levels.UserLevel(pdu.Sender);
        if (pdu.Type == EventTypes.ThirdPartyInvite)
        {
            return senderLevel >= levels.Invite ? AuthResult.Allowed : AuthResult.Reject("m.room.third_party_invite: the sender's power level is below the invite level");
        }

        if (levels.EventLevel(pdu.Type, pdu.IsState) > senderLevel) return AuthResult.Reject($"the sender's power level is below the level required for {pdu.Type}");

        if (pdu.StateKey is { } stateKey && stateKey.StartsWith('@') && stateKey != pdu.Sender)
        {
            return AuthResult.Reject("a state_key starting with '@' must be the sender");
        }

        if (pdu.Type == EventTypes.PowerLevels) return PowerLevelsRules.Check(pdu, state, create, levels);
        if (version.SpecialCaseRedactionAuth && pdu.Type == EventTypes.Redaction) return CheckRedaction(pdu, levels, senderLevel);
        return AuthResult.Allowed;
    }

    /// <summary>v1–v5: a server may set the aliases under its own name only.</summary>
    private static AuthResult CheckAliases(Pdu pdu) =>
        string.IsNullOrEmpty(pdu.StateKey) ? AuthResult.Reject("m.room.aliases: no state_key")
        : pdu.StateKey != pdu.SenderDomain ? AuthResult.Reject("m.room.aliases: the state_key is not the sender's domain")
        : AuthResult.Allowed;

    /// <summary>v1–v2: the redact level, or a redaction of an event that came from the same server.</summary>
    private static AuthResult CheckRedaction(Pdu pdu, PowerLevels levels, long senderLevel)
    {
        if (senderLevel >= levels.Redact) return AuthResult.Allowed;
        return pdu.Redacts is { } redacts && UserIds.Domain(redacts) is { Length: > 0 } domain && domain == UserIds.Domain(pdu.EventId)
            ? AuthResult.Allowed
            : AuthResult.Reject("m.room.redaction: below the redact level and the redacted event is from another server");
    }
}
