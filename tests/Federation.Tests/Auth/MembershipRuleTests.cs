using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

/// <summary>The m.room.member rules, each with an allowed and a denied row, over every version they apply to.</summary>
public sealed class MembershipRuleTests
{
    private const string Oscar = "@oscar:other.example";
    private const string Erin = "@erin:example.com";

    private static readonly AuthCase[] Table =
    [
        // join
        new("creator's first join", AuthCase.All, r => Fresh(r).Let(f => f.Authorize(f.Member(Alice, Alice, Memberships.Join))), null),
        new("other user's join right after create", AuthCase.All, r => Fresh(r).Let(f => f.Authorize(f.Member(Bob, Bob, Memberships.Join))), "not invited"),
        new("join on behalf of another user", AuthCase.All, r => r.Authorize(r.Member(Carol, Dave, Memberships.Join)), "not the state_key"),
        new("join a public room", AuthCase.All, r => r.Authorize(r.Member(Dave, Dave, Memberships.Join)), null),
        new("banned user joins", AuthCase.All, r => r.Then(x => x.SetMembership(Alice, Dave, Memberships.Ban)).Authorize(r.Member(Dave, Dave, Memberships.Join)), "banned"),
        new("invited user joins invite room", AuthCase.All, r => Invited(r, JoinRules.Invite).Authorize(r.Member(Dave, Dave, Memberships.Join)), null),
        new("uninvited user joins invite room", AuthCase.All, r => r.Then(x => x.SetJoinRule(JoinRules.Invite)).Authorize(r.Member(Dave, Dave, Memberships.Join)), "not invited"),
        new("invited user joins knock room", v => v.KnockJoinRule, r => Invited(r, JoinRules.Knock).Authorize(r.Member(Dave, Dave, Memberships.Join)), null),
        new("uninvited user joins knock room", v => v.KnockJoinRule, r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Authorize(r.Member(Dave, Dave, Memberships.Join)), "not invited"),
        new("knock join rule unknown before v7", v => !v.KnockJoinRule, r => Invited(r, JoinRules.Knock).Authorize(r.Member(Dave, Dave, Memberships.Join)), "does not allow joining"),
        new("private room join", AuthCase.All, r => r.Then(x => x.SetJoinRule(JoinRules.Private)).Authorize(r.Member(Dave, Dave, Memberships.Join)), "does not allow joining"),

        // restricted and knock_restricted joins
        new("restricted join vouched by a member who can invite", v => v.RestrictedJoinRule, r => RestrictedJoin(r, JoinRules.Restricted, Bob), null),
        new("restricted join before v8", v => !v.RestrictedJoinRule, r => RestrictedJoin(r, JoinRules.Restricted, Bob), "does not allow joining"),
        new("restricted join vouched by a non-member", v => v.RestrictedJoinRule, r => RestrictedJoin(r, JoinRules.Restricted, Erin), "is not joined"),
        new("restricted join vouched by a member who cannot invite", v => v.RestrictedJoinRule,
            r => r.Then(x => x.SetPowerLevels(x.PowerLevelsWith([(Alice, 100), (Bob, 50)], ", \"invite\": 10"))).Let(x => RestrictedJoin(x, JoinRules.Restricted, Carol)), "may not invite"),
        new("restricted join without an authoriser", v => v.RestrictedJoinRule, r => RestrictedJoin(r, JoinRules.Restricted, via: null), "no join_authorised_via_users_server"),
        new("restricted join of an invited user", v => v.RestrictedJoinRule, r => Invited(r, JoinRules.Restricted).Authorize(r.Member(Dave, Dave, Memberships.Join)), null),
        new("restricted join not signed by the authorising server", v => v.RestrictedJoinRule,
            r => r.Then(x => x.Join(Oscar)).Let(x => RestrictedJoin(x, JoinRules.Restricted, Oscar)), "not signed by other.example"),
        new("join_authorised_via_users_server not a user ID", v => v.RestrictedJoinRule, r => RestrictedJoin(r, JoinRules.Restricted, "bob"), "not a user ID"),
        new("knock_restricted join vouched by a member", v => v.KnockRestrictedJoinRule, r => RestrictedJoin(r, JoinRules.KnockRestricted, Bob), null),
        new("knock_restricted join before v10", v => !v.KnockRestrictedJoinRule, r => RestrictedJoin(r, JoinRules.KnockRestricted, Bob), "does not allow joining"),

        // invite
        new("member invites", AuthCase.All, r => r.Authorize(r.Member(Bob, Dave, Memberships.Invite)), null),
        new("non-member invites", AuthCase.All, r => r.Authorize(r.Member(Dave, Erin, Memberships.Invite)), "sender is not joined"),
        new("invite a joined user", AuthCase.All, r => r.Authorize(r.Member(Bob, Carol, Memberships.Invite)), "membership is join"),
        new("invite a banned user", AuthCase.All, r => r.Then(x => x.SetMembership(Alice, Dave, Memberships.Ban)).Authorize(r.Member(Bob, Dave, Memberships.Invite)), "membership is ban"),
        new("invite below the invite level", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(x.PowerLevelsWith([(Alice, 100), (Bob, 50)], ", \"invite\": 10"))).Authorize(r.Member(Carol, Dave, Memberships.Invite)), "below the invite level"),

        // third-party invites
        new("third-party invite with a valid signature", AuthCase.All, r => ThirdPartyInvite(r, Alice, Signed(Dave, "tok", "K2")), null),
        new("third-party invite signed with an unknown key", AuthCase.All, r => ThirdPartyInvite(r, Alice, Signed(Dave, "tok", "K9")), "no signature"),
        new("third-party invite without signed", AuthCase.All, r => ThirdPartyInvite(r, Alice, signed: null), "no signed object"),
        new("third-party invite without a token", AuthCase.All, r => ThirdPartyInvite(r, Alice, $$"""{"mxid": "{{Dave}}"}"""), "no mxid or token"),
        new("third-party invite for another mxid", AuthCase.All, r => ThirdPartyInvite(r, Alice, Signed(Erin, "tok", "K1")), "mxid is not the state_key"),
        new("third-party invite with an unknown token", AuthCase.All, r => ThirdPartyInvite(r, Alice, Signed(Dave, "other", "K1")), "no m.room.third_party_invite"),
        new("third-party invite sent by someone else", AuthCase.All, r => ThirdPartyInvite(r, Bob, Signed(Dave, "tok", "K1")), "did not send"),
        new("third-party invite of a banned user", AuthCase.All,
            r => r.Then(x => x.SetMembership(Alice, Dave, Memberships.Ban)).Let(x => ThirdPartyInvite(x, Alice, Signed(Dave, "tok", "K1"))), "target is banned"),

        // leave and kick
        new("joined user leaves", AuthCase.All, r => r.Authorize(r.Member(Carol, Carol, Memberships.Leave)), null),
        new("invited user declines", AuthCase.All, r => Invited(r, JoinRules.Invite).Authorize(r.Member(Dave, Dave, Memberships.Leave)), null),
        new("knocking user withdraws", v => v.KnockJoinRule,
            r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Then(x => x.SetMembership(Dave, Dave, Memberships.Knock)).Authorize(r.Member(Dave, Dave, Memberships.Leave)), null),
        new("stranger leaves", AuthCase.All, r => r.Authorize(r.Member(Dave, Dave, Memberships.Leave)), "membership is none"),
        new("kick a lower member", AuthCase.All, r => r.Authorize(r.Member(Bob, Carol, Memberships.Leave)), null),
        new("kick an equal member", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(x.PowerLevelsWith((Alice, 100), (Bob, 50), (Carol, 50)))).Authorize(r.Member(Bob, Carol, Memberships.Leave)), "not below the sender's"),
        new("kick below the kick level", AuthCase.All, r => r.Then(x => x.Join(Dave)).Authorize(r.Member(Carol, Dave, Memberships.Leave)), "below the kick level"),
        new("kick by a non-member", AuthCase.All, r => r.Authorize(r.Member(Dave, Carol, Memberships.Leave)), "sender is not joined"),
        new("unban at the ban level", AuthCase.All, r => r.Then(x => x.SetMembership(Alice, Dave, Memberships.Ban)).Authorize(r.Member(Bob, Dave, Memberships.Leave)), null),
        new("unban below the ban level", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(x.PowerLevelsWith([(Alice, 100), (Bob, 50)], ", \"ban\": 75"))).Then(x => x.SetMembership(Alice, Dave, Memberships.Ban))
                .Authorize(r.Member(Bob, Dave, Memberships.Leave)), "unban"),

        // ban
        new("ban a lower member", AuthCase.All, r => r.Authorize(r.Member(Bob, Carol, Memberships.Ban)), null),
        new("ban a user not in the room", AuthCase.All, r => r.Authorize(r.Member(Bob, Dave, Memberships.Ban)), null),
        new("ban below the ban level", AuthCase.All, r => r.Authorize(r.Member(Carol, Dave, Memberships.Ban)), "below the ban level"),
        new("ban a higher member", AuthCase.All, r => r.Authorize(r.Member(Bob, Alice, Memberships.Ban)), "not below the sender's"),
        new("ban by a non-member", AuthCase.All, r => r.Authorize(r.Member(Dave, Carol, Memberships.Ban)), "sender is not joined"),

        // knock
        new("knock on a knock room", v => v.KnockJoinRule, r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Authorize(r.Member(Dave, Dave, Memberships.Knock)), null),
        new("knock on a public room", v => v.KnockJoinRule, r => r.Authorize(r.Member(Dave, Dave, Memberships.Knock)), "does not allow knocking"),
        new("knock for someone else", v => v.KnockJoinRule, r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Authorize(r.Member(Carol, Dave, Memberships.Knock)), "not the state_key"),
        new("knock while invited", v => v.KnockJoinRule, r => Invited(r, JoinRules.Knock).Authorize(r.Member(Dave, Dave, Memberships.Knock)), "already invite"),
        new("knock while banned", v => v.KnockJoinRule,
            r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Then(x => x.SetMembership(Alice, Dave, Memberships.Ban)).Authorize(r.Member(Dave, Dave, Memberships.Knock)), "already ban"),
        new("knock before v7", v => !v.KnockJoinRule, r => r.Then(x => x.SetJoinRule(JoinRules.Knock)).Authorize(r.Member(Dave, Dave, Memberships.Knock)), "unknown membership 'knock'"),
        new("knock on a knock_restricted room", v => v.KnockRestrictedJoinRule,
            r => r.Then(x => x.SetJoinRule(JoinRules.KnockRestricted)).Authorize(r.Member(Dave, Dave, Memberships.Knock)), null),
        new("knock on a knock_restricted room before v10", v => v.KnockJoinRule && !v.KnockRestrictedJoinRule,
            r => r.Then(x => x.SetJoinRule(JoinRules.KnockRestricted)).Authorize(r.Member(Dave, Dave, Memberships.Knock)), "does not allow knocking"),

        // malformed
        new("unknown membership", AuthCase.All, r => r.Authorize(r.Member(Dave, Dave, "dance")), "unknown membership 'dance'"),
        new("no membership", AuthCase.All, r => r.Authorize(r.NewEvent(EventTypes.Member, Dave, Dave, "{}")), "membership is missing"),
        new("member event without state_key", AuthCase.All, r => r.Authorize(r.NewEvent(EventTypes.Member, Dave, null, """{"membership": "join"}""")), "no state_key"),
    ];

    public static TheoryData<string, string> Cases => AuthCase.Expand(Table);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Membership_rules(string name, string version) => AuthCase.Verify(Table, name, version);

    private static TestRoom Fresh(TestRoom r) => TestRoom.Create(r.Version);

    private static TestRoom Invited(TestRoom r, string joinRule)
    {
        r.SetJoinRule(joinRule);
        r.SetMembership(Bob, Dave, Memberships.Invite);
        return r;
    }

    private static AuthResult RestrictedJoin(TestRoom r, string joinRule, string? via)
    {
        r.SetJoinRule(joinRule);
        var extra = via is null ? "" : $", \"{AuthEventSelection.JoinAuthorisedViaKey}\": \"{via}\"";
        return r.Authorize(r.Member(Dave, Dave, Memberships.Join, extra));
    }

    private static string Signed(string mxid, string token, string key) =>
        $$"""{"mxid": "{{mxid}}", "token": "{{token}}", "signatures": {"id.example": {"ed25519:0": "{{FakeSignatures.SignaturePrefix + key}}"} } }""";

    /// <summary>Alice publishes a third-party invite for token "tok" (keys K1 and K2); then <paramref name="sender"/> invites Dave with it.</summary>
    private static AuthResult ThirdPartyInvite(TestRoom r, string sender, string? signed)
    {
        r.Send(EventTypes.ThirdPartyInvite, Alice, "tok", """{"display_name": "d", "public_key": "K1", "public_keys": [{"public_key": "K2"}]}""");
        var thirdParty = signed is null ? """{"display_name": "d"}""" : $$"""{"display_name": "d", "signed": {{signed}}}""";
        return r.Authorize(r.Member(sender, Dave, Memberships.Invite, $", \"third_party_invite\": {thirdParty}"));
    }
}

/// <summary>Fluent staging for the rule tables.</summary>
internal static class TestRoomStaging
{
    public static TestRoom Then(this TestRoom room, Action<TestRoom> step)
    {
        step(room);
        return room;
    }

    public static T Let<T>(this TestRoom room, Func<TestRoom, T> step) => step(room);
}
