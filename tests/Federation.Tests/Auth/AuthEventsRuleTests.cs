using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

/// <summary>The checks of an event's auth_events list (rule 2; 3 in v12), through AuthorizeByAuthEvents.</summary>
public sealed class AuthEventsRuleTests
{
    private static readonly AuthCase[] Table =
    [
        new("auth events as selected", AuthCase.All, r => r.AuthorizeByAuthEvents(r.Message(Carol)), null),
        new("auth events allow a join", AuthCase.All, r => r.AuthorizeByAuthEvents(r.Member(Dave, Dave, Memberships.Join)), null),
        new("the state rules still run", AuthCase.All, r => r.AuthorizeByAuthEvents(r.Message(Dave)), "not joined"),
        new("two power levels events", AuthCase.All, r => WithExtraAuthEvent(r, r.State[PowerLevelsKey].EventId, then: x => x.SetPowerLevels(x.PowerLevelsWith((Alice, 100)))), "more than one entry"),
        new("an auth event the selection does not ask for", AuthCase.All, r => WithExtraAuthEvent(r, r.State[JoinRulesKey].EventId), "not one the auth events selection asks for"),
        new("a rejected auth event", AuthCase.All, r => r.Then(x => x.Rejected.Add(x.State[PowerLevelsKey].EventId)).AuthorizeByAuthEvents(r.Message(Carol)), "was rejected"),
        new("an unknown auth event", AuthCase.All, r => WithExtraAuthEvent(r, "$nowhere:example.com"), "is not known"),
        new("a message among the auth events", AuthCase.All, r => WithExtraAuthEvent(r, r.Apply(r.Message(Bob)).EventId), "not a state event"),
        new("an auth event of another room", AuthCase.All,
            r => WithExtraAuthEvent(r, r.NewEvent(EventTypes.Topic, Alice, "", "{}", j => j["room_id"] = "!other:example.com").EventId), "in another room"),
        new("no create event listed", v => !v.RoomIdIsCreateEventHash, r => WithoutAuthEvent(r, r.State[CreateKey].EventId), "no m.room.create"),
        new("create event listed in v12", v => v.RoomIdIsCreateEventHash, r => WithExtraAuthEvent(r, r.State[CreateKey].EventId), "not one the auth events selection asks for"),
        new("rejected create event in v12", v => v.RoomIdIsCreateEventHash, r => r.Then(x => x.Rejected.Add(x.State[CreateKey].EventId)).AuthorizeByAuthEvents(r.Message(Carol)), "was rejected"),
        new("room ID naming no create event in v12", v => v.RoomIdIsCreateEventHash,
            r => r.AuthorizeByAuthEvents(r.NewEvent(EventTypes.Message, Carol, null, "{}", j => { j["room_id"] = "!unknown"; j["auth_events"] = new JsonArray(); })),
            "does not name a known m.room.create"),
    ];

    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRulesKey = new(EventTypes.JoinRules, "");

    public static TheoryData<string, string> Cases => AuthCase.Expand(Table);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Auth_events_rules(string name, string version) => AuthCase.Verify(Table, name, version);

    /// <summary>Carol's message citing <paramref name="extra"/> besides its selected auth events (staged after <paramref name="then"/>).</summary>
    private static AuthResult WithExtraAuthEvent(TestRoom r, string extra, Action<TestRoom>? then = null)
    {
        then?.Invoke(r);
        return r.AuthorizeByAuthEvents(r.NewEvent(EventTypes.Message, Carol, null, "{}", j => j["auth_events"]!.AsArray().Add(extra)));
    }

    private static AuthResult WithoutAuthEvent(TestRoom r, string left) =>
        r.AuthorizeByAuthEvents(r.NewEvent(EventTypes.Message, Carol, null, "{}",
            j => j["auth_events"] = new JsonArray(j["auth_events"]!.AsArray().Select(n => n!.GetValue<string>()).Where(id => id != left).Select(id => (JsonNode)id).ToArray())));
}
