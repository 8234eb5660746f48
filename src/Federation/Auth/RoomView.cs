using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>Typed single-key reads of a state map: each costs one dictionary lookup, whatever the room's size.</summary>
internal readonly struct RoomView(IReadOnlyDictionary<StateKey, Pdu> state)
{
    public Pdu? Get(string type, string stateKey) => state.GetValueOrDefault(new StateKey(type, stateKey));

    public string? MembershipOf(string userId) => Get(EventTypes.Member, userId)?.Membership;

    /// <summary>content.join_rule, or "invite" when there is no join rules event or it names none (as Synapse does).</summary>
    public string JoinRule =>
        Get(EventTypes.JoinRules, "") is { } joinRules
            ? AuthEventSelection.StringAt(joinRules.Content, "join_rule") ?? (joinRules.Content.ContainsKey("join_rule") ? "" : JoinRules.Invite)
            : JoinRules.Invite;
}
