using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

/// <summary>
/// The rules after membership: sender joined, required power levels and their defaults, third-party
/// invite events, state keys naming users, m.federate, v1–v5 aliases and v1–v2 redactions.
/// </summary>
public sealed class OtherRuleTests
{
    private static readonly AuthCase[] Table =
    [
        new("message from a member", AuthCase.All, r => r.Authorize(r.Message(Carol)), null),
        new("message from a non-member", AuthCase.All, r => r.Authorize(r.Message(Dave)), "not joined"),
        new("message from a user who left", AuthCase.All, r => r.Then(x => x.SetMembership(Carol, Carol, Memberships.Leave)).Authorize(r.Message(Carol)), "not joined"),
        new("state from a non-member", AuthCase.All, r => r.Authorize(Topic(r, Dave)), "not joined"),

        new("message below events_default", AuthCase.All, r => r.Then(x => x.SetPowerLevels(Content(x, ", \"events_default\": 10"))).Authorize(r.Message(Carol)), "required for m.room.message"),
        new("message at events_default", AuthCase.All, r => r.Then(x => x.SetPowerLevels(Content(x, ", \"events_default\": 10"))).Authorize(r.Message(Bob)), null),
        new("message below its events entry", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(Content(x, ", \"events\": {\"m.room.message\": 60}"))).Authorize(r.Message(Bob)), "required for m.room.message"),
        new("state below state_default", AuthCase.All, r => r.Authorize(Topic(r, Carol)), "required for m.room.topic"),
        new("state at state_default", AuthCase.All, r => r.Authorize(Topic(r, Bob)), null),
        new("state with a lowered state_default", AuthCase.All, r => r.Then(x => x.SetPowerLevels(Content(x, ", \"state_default\": 0"))).Authorize(Topic(r, Carol)), null),
        new("state with users_default raised", AuthCase.All, r => r.Then(x => x.SetPowerLevels(Content(x, ", \"users_default\": 50"))).Authorize(Topic(r, Carol)), null),
        new("creator sets state without power levels", AuthCase.All, r => NoPowerLevels(r).Let(x => x.Authorize(Topic(x, Alice))), null),
        new("member sets state without power levels", AuthCase.All, r => NoPowerLevels(r).Let(x => x.Authorize(Topic(x, Bob))), "required for m.room.topic"),
        new("member sends a message without power levels", AuthCase.All, r => NoPowerLevels(r).Let(x => x.Authorize(x.Message(Bob))), null),

        new("state_key naming another user", AuthCase.All, r => r.Authorize(r.NewEvent("m.custom", Bob, Carol, "{}")), "starting with '@'"),
        new("state_key naming the sender", AuthCase.All, r => r.Authorize(r.NewEvent("m.custom", Bob, Bob, "{}")), null),

        new("third_party_invite at the invite level", AuthCase.All, r => r.Authorize(r.NewEvent(EventTypes.ThirdPartyInvite, Carol, "tok", "{}")), null),
        new("third_party_invite below the invite level", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(Content(x, ", \"invite\": 10"))).Authorize(r.NewEvent(EventTypes.ThirdPartyInvite, Carol, "tok", "{}")), "below the invite level"),

        new("unfederated room, local sender", AuthCase.All, r => Unfederated(r).Let(x => x.Authorize(x.Member(Alice, Dave, Memberships.Invite))), null),
        new("unfederated room, remote sender", AuthCase.All, r => Unfederated(r).Let(x => x.Authorize(x.Message(Mallory))), "m.federate is false"),
        new("unfederated room, remote target", AuthCase.All, r => Unfederated(r).Let(x => x.Authorize(x.Member(Alice, Mallory, Memberships.Invite))), "does not federate"),

        new("aliases for the sender's own server", v => v.SpecialCaseAliasesAuth, r => r.Authorize(r.NewEvent(EventTypes.Aliases, Mallory, "evil.example", "{}")), null),
        new("aliases for another server", v => v.SpecialCaseAliasesAuth, r => r.Authorize(r.NewEvent(EventTypes.Aliases, Mallory, "example.com", "{}")), "not the sender's domain"),
        new("aliases are ordinary state from v6", v => !v.SpecialCaseAliasesAuth, r => r.Authorize(r.NewEvent(EventTypes.Aliases, Mallory, "evil.example", "{}")), "not joined"),

        new("redaction of a same-server event below the redact level", v => v.SpecialCaseRedactionAuth, r => r.Authorize(Redaction(r, Carol, "$x:example.com")), null),
        new("redaction of another server's event below the redact level", v => v.SpecialCaseRedactionAuth, r => r.Authorize(Redaction(r, Carol, "$x:evil.example")), "m.room.redaction"),
        new("redaction of another server's event at the redact level", v => v.SpecialCaseRedactionAuth, r => r.Authorize(Redaction(r, Bob, "$x:evil.example")), null),
        new("redactions are ordinary events from v3", v => !v.SpecialCaseRedactionAuth, r => r.Authorize(Redaction(r, Carol, "$x:evil.example")), null),

        new("no create event in the state", AuthCase.All, r => r.Then(x => x.State.Remove(new StateKey(EventTypes.Create, ""))).Authorize(r.Message(Carol)), "no m.room.create"),
        new("create event of another room", AuthCase.All, r => r.Authorize(r.NewEvent(EventTypes.Message, Carol, null, "{}", j => j["room_id"] = "!other:example.com")), "of another room"),
    ];

    public static TheoryData<string, string> Cases => AuthCase.Expand(Table);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Other_rules(string name, string version) => AuthCase.Verify(Table, name, version);

    [Fact]
    public void V12_room_id_must_name_the_create_event_in_the_state()
    {
        var room = TestRoom.Standard(RoomVersions.V12);
        // A create event carrying its own room_id claims to be of this room without being the one its ID names.
        var create = room.State[new StateKey(EventTypes.Create, "")];
        var forged = JsonNode.Parse(create.Json.ToJsonString())!.AsObject();
        forged["room_id"] = room.RoomId;
        room.State[new StateKey(EventTypes.Create, "")] = Pdu.FromJson(forged, "$forged:example.com", RoomVersions.V12);

        var result = room.Authorize(room.Message(Carol));

        Assert.Contains("does not name the room's m.room.create", result.RejectionReason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions.All), MemberType = typeof(Versions))]
    public void Power_levels_read_defaults_and_creators(string versionId)
    {
        var room = TestRoom.Create(RoomVersions.Find(versionId)!, extraCreateContent: $", \"additional_creators\": [\"{Bob}\"]");
        var none = PowerLevels.FromState(room.State);
        Assert.Equal(room.Version.PrivilegedCreators ? PowerLevels.CreatorLevel : 100, none.UserLevel(Alice));
        Assert.Equal(room.Version.PrivilegedCreators ? PowerLevels.CreatorLevel : 0, none.UserLevel(Bob));
        Assert.Equal((0L, 50L, 50L, 50L, 50L, 0L), (none.Invite, none.Kick, none.Ban, none.Redact, none.StateDefault, none.EventsDefault));

        room.SetPowerLevels("""{"users_default": 5, "invite": 7, "notifications": {"room": 20}, "users": {"@carol:example.com": 30}}""");
        var set = PowerLevels.FromState(room.State);
        Assert.Equal((30L, 5L, 7L, 20L), (set.UserLevel(Carol), set.UserLevel(Dave), set.Invite, set.NotificationLevel("room")));
    }

    private static string Content(TestRoom r, string extra) => r.PowerLevelsWith([(Alice, 100), (Bob, 50)], extra);

    private static Pdu Topic(TestRoom r, string sender) => r.NewEvent(EventTypes.Topic, sender, "", """{"topic": "t"}""");

    private static Pdu Redaction(TestRoom r, string sender, string redacts) =>
        r.NewEvent(EventTypes.Redaction, sender, null, r.Version.RedactsInContent ? $"{{\"redacts\": \"{redacts}\"}}" : "{}",
            j => { if (!r.Version.RedactsInContent) j["redacts"] = redacts; });

    /// <summary>Alice's public room with Bob joined, and no power levels event.</summary>
    private static TestRoom NoPowerLevels(TestRoom r)
    {
        var room = TestRoom.Create(r.Version);
        room.Join(Alice);
        room.SetJoinRule(JoinRules.Public);
        room.Join(Bob);
        return room;
    }

    private static TestRoom Unfederated(TestRoom r)
    {
        var room = TestRoom.Create(r.Version, extraCreateContent: ", \"m.federate\": false");
        room.Join(Alice);
        room.SetJoinRule(JoinRules.Public);
        return room;
    }
}

/// <summary>Every room version's ID, as xunit member data.</summary>
public static class Versions
{
    public static TheoryData<string> All => new(RoomVersions.All.Select(v => v.Id));
}
