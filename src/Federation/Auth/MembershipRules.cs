using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Auth;

/// <summary>The auth rules for m.room.member events (rule 4 in v6–v11; 5 in v1–v5 and v12).</summary>
internal sealed class MembershipRules(IAuthSignatureVerifier signatures)
{
    public AuthResult Check(Pdu pdu, IReadOnlyDictionary<StateKey, Pdu> state, Pdu create)
    {
        var version = pdu.Version;
        if (pdu.StateKey is not { } target) return AuthResult.Reject("m.room.member: no state_key");
        if (pdu.Membership is not { } membership) return AuthResult.Reject("m.room.member: content.membership is missing or not a string");

        if (version.RestrictedJoinRule && pdu.Content.TryGetPropertyValue(AuthEventSelection.JoinAuthorisedViaKey, out var via))
        {
            if (!(via is JsonValue v && v.TryGetValue(out string? authoriser) && UserIds.IsValid(authoriser)))
            {
                return AuthResult.Reject("m.room.member: join_authorised_via_users_server is not a user ID");
            }

            if (!signatures.IsSignedBy(pdu, UserIds.Domain(authoriser)))
            {
                return AuthResult.Reject($"m.room.member: not signed by {UserIds.Domain(authoriser)}, the server of join_authorised_via_users_server");
            }
        }

        // Synapse also keeps users of other servers out of an unfederated room as targets, not only as senders.
        if (!CreateEventContent.Of(create).CanFederate && UserIds.Domain(target) != create.SenderDomain)
        {
            return AuthResult.Reject("m.room.member: the room does not federate and the target is on another server");
        }

        var levels = PowerLevels.FromState(state);
        var room = new RoomView(state);
        return membership switch
        {
            Memberships.Join => CheckJoin(pdu, target, room, levels, create),
            Memberships.Invite => CheckInvite(pdu, target, room, levels),
            Memberships.Leave => CheckLeave(pdu, target, room, levels),
            Memberships.Ban => CheckBan(pdu, target, room, levels),
            Memberships.Knock when version.KnockJoinRule => CheckKnock(pdu, target, room),
            _ => AuthResult.Reject($"m.room.member: unknown membership '{membership}'"),
        };
    }

    private static AuthResult CheckJoin(Pdu pdu, string target, RoomView room, PowerLevels levels, Pdu create)
    {
        var version = pdu.Version;
        // The creator's own first join, straight after the create event.
        if (pdu.PrevEvents.Count == 1 && pdu.PrevEvents[0] == create.EventId && CreateEventContent.Of(create).Creator == target)
        {
            return AuthResult.Allowed;
        }

        if (pdu.Sender != target) return AuthResult.Reject("join: the sender is not the state_key");

        var current = room.MembershipOf(target);
        if (current == Memberships.Ban) return AuthResult.Reject("join: the sender is banned");
        var joinedOrInvited = current is Memberships.Join or Memberships.Invite;

        var joinRule = room.JoinRule;
        if (joinRule == JoinRules.Invite || (version.KnockJoinRule && joinRule == JoinRules.Knock))
        {
            return joinedOrInvited ? AuthResult.Allowed : AuthResult.Reject($"join: the join rule is {joinRule} and the sender is not invited");
        }

        if ((version.RestrictedJoinRule && joinRule == JoinRules.Restricted) || (version.KnockRestrictedJoinRule && joinRule == JoinRules.KnockRestricted))
        {
            return joinedOrInvited ? AuthResult.Allowed : CheckAuthorisedJoin(pdu, room, levels);
        }

        return joinRule == JoinRules.Public ? AuthResult.Allowed : AuthResult.Reject($"join: the join rule '{joinRule}' does not allow joining");
    }

    /// <summary>A restricted join: a joined member able to invite must vouch for it.</summary>
    private static AuthResult CheckAuthorisedJoin(Pdu pdu, RoomView room, PowerLevels levels)
    {
        if (AuthEventSelection.StringAt(pdu.Content, AuthEventSelection.JoinAuthorisedViaKey) is not { } authoriser)
        {
            return AuthResult.Reject("join: restricted room and no join_authorised_via_users_server");
        }

        if (room.MembershipOf(authoriser) != Memberships.Join) return AuthResult.Reject($"join: the authorising user {authoriser} is not joined");
        return levels.UserLevel(authoriser) >= levels.Invite
            ? AuthResult.Allowed
            : AuthResult.Reject($"join: the authorising user {authoriser} may not invite");
    }

    private AuthResult CheckInvite(Pdu pdu, string target, RoomView room, PowerLevels levels)
    {
        var targetMembership = room.MembershipOf(target);
        if (pdu.Content.ContainsKey("third_party_invite")) return CheckThirdPartyInvite(pdu, target, targetMembership, room);

        if (room.MembershipOf(pdu.Sender) != Memberships.Join) return AuthResult.Reject("invite: the sender is not joined");
        if (targetMembership is Memberships.Join or Memberships.Ban) return AuthResult.Reject($"invite: the target's membership is {targetMembership}");
        return levels.UserLevel(pdu.Sender) >= levels.Invite ? AuthResult.Allowed : AuthResult.Reject("invite: the sender's power level is below the invite level");
    }

    private AuthResult CheckThirdPartyInvite(Pdu pdu, string target, string? targetMembership, RoomView room)
    {
        if (targetMembership == Memberships.Ban) return AuthResult.Reject("third-party invite: the target is banned");
        if (pdu.Content["third_party_invite"] is not JsonObject thirdParty || thirdParty["signed"] is not JsonObject signed)
        {
            return AuthResult.Reject("third-party invite: no signed object");
        }

        var mxid = AuthEventSelection.StringAt(signed, "mxid");
        var token = AuthEventSelection.StringAt(signed, "token");
        if (mxid is null || token is null) return AuthResult.Reject("third-party invite: signed has no mxid or token");
        if (mxid != target) return AuthResult.Reject("third-party invite: signed.mxid is not the state_key");
        if (room.Get(EventTypes.ThirdPartyInvite, token) is not { } invite) return AuthResult.Reject("third-party invite: no m.room.third_party_invite for the token");
        if (invite.Sender != pdu.Sender) return AuthResult.Reject("third-party invite: the sender did not send the m.room.third_party_invite");

        return signatures.IsThirdPartyInviteSigned(signed, [.. ThirdPartyInviteKeys.Of(invite.Content).Select(k => k.PublicKey)])
            ? AuthResult.Allowed
            : AuthResult.Reject("third-party invite: no signature in signed matches the invite's public keys");
    }

    private static AuthResult CheckLeave(Pdu pdu, string target, RoomView room, PowerLevels levels)
    {
        var senderMembership = room.MembershipOf(pdu.Sender);
        if (pdu.Sender == target)
        {
            var mayLeave = senderMembership is Memberships.Invite or Memberships.Join
                || (pdu.Version.KnockJoinRule && senderMembership == Memberships.Knock);
            return mayLeave ? AuthResult.Allowed : AuthResult.Reject($"leave: the sender's membership is {senderMembership ?? "none"}");
        }

        if (senderMembership != Memberships.Join) return AuthResult.Reject("kick: the sender is not joined");
        var senderLevel = levels.UserLevel(pdu.Sender);
        if (room.MembershipOf(target) == Memberships.Ban && senderLevel < levels.Ban) return AuthResult.Reject("unban: the sender's power level is below the ban level");
        if (senderLevel < levels.Kick) return AuthResult.Reject("kick: the sender's power level is below the kick level");
        return levels.UserLevel(target) < senderLevel ? AuthResult.Allowed : AuthResult.Reject("kick: the target's power level is not below the sender's");
    }

    private static AuthResult CheckBan(Pdu pdu, string target, RoomView room, PowerLevels levels)
    {
        if (room.MembershipOf(pdu.Sender) != Memberships.Join) return AuthResult.Reject("ban: the sender is not joined");
        var senderLevel = levels.UserLevel(pdu.Sender);
        if (senderLevel < levels.Ban) return AuthResult.Reject("ban: the sender's power level is below the ban level");
        return levels.UserLevel(target) < senderLevel ? AuthResult.Allowed : AuthResult.Reject("ban: the target's power level is not below the sender's");
    }

    private static AuthResult CheckKnock(Pdu pdu, string target, RoomView room)
    {
        var joinRule = room.JoinRule;
        if (joinRule != JoinRules.Knock && !(pdu.Version.KnockRestrictedJoinRule && joinRule == JoinRules.KnockRestricted))
        {
            return AuthResult.Reject($"knock: the join rule '{joinRule}' does not allow knocking");
        }

        if (pdu.Sender != target) return AuthResult.Reject("knock: the sender is not the state_key");
        var current = room.MembershipOf(target);
        return current is Memberships.Ban or Memberships.Invite or Memberships.Join
            ? AuthResult.Reject($"knock: the sender's membership is already {current}")
            : AuthResult.Allowed;
    }
}
