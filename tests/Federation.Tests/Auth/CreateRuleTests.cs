using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

public sealed class CreateRuleTests
{
    private static readonly AuthCase[] Table =
    [
        new("valid create", AuthCase.All, r => Check(r.Version, _ => { }), null),
        new("create with prev_events", AuthCase.All, r => Check(r.Version, j => j["prev_events"] = new JsonArray("$x:example.com")), "has prev_events"),
        new("room ID on another domain", v => !v.RoomIdIsCreateEventHash, r => Check(r.Version, j => j["room_id"] = "!room:elsewhere.example"), "room ID's domain"),
        new("v12 create with a room_id", v => v.RoomIdIsCreateEventHash, r => Check(r.Version, j => j["room_id"] = "!room:example.com"), "has a room_id"),
        new("unknown room_version", AuthCase.All, r => Check(r.Version, j => j["content"]!["room_version"] = "99"), "room_version"),
        new("room_version not a string", AuthCase.All, r => Check(r.Version, j => j["content"]!["room_version"] = 1), "room_version"),
        new("no creator before v11", v => !v.ImplicitRoomCreator, r => Check(r.Version, j => j["content"]!.AsObject().Remove("creator")), "no creator"),
        new("no creator from v11", v => v.ImplicitRoomCreator, r => Check(r.Version, j => j["content"]!.AsObject().Remove("creator")), null),
        new("valid additional_creators", v => v.PrivilegedCreators, r => Check(r.Version, j => j["content"]!["additional_creators"] = new JsonArray(Bob)), null),
        new("additional_creators not user IDs", v => v.PrivilegedCreators, r => Check(r.Version, j => j["content"]!["additional_creators"] = new JsonArray("bob")), "additional_creators"),
        new("additional_creators not an array", v => v.PrivilegedCreators, r => Check(r.Version, j => j["content"]!["additional_creators"] = Bob), "additional_creators"),
        new("additional_creators ignored before v12", v => !v.PrivilegedCreators, r => Check(r.Version, j => j["content"]!["additional_creators"] = "junk"), null),
    ];

    public static TheoryData<string, string> Cases => AuthCase.Expand(Table);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Create_event_rules(string name, string version) => AuthCase.Verify(Table, name, version);

    [Fact]
    public void A_create_event_is_judged_without_auth_events()
    {
        var room = TestRoom.Create(RoomVersions.V12);
        var result = room.Authorizer.AuthorizeByAuthEvents(room.State[new StateKey(EventTypes.Create, "")], [], _ => false);
        Assert.True(result.IsAllowed, result.RejectionReason);
    }

    /// <summary>A fresh room's create event, altered by <paramref name="edit"/> before it is wrapped.</summary>
    private static AuthResult Check(RoomVersion version, Action<JsonObject> edit)
    {
        var room = TestRoom.Create(version);
        var create = room.State[new StateKey(EventTypes.Create, "")];
        var json = JsonNode.Parse(create.Json.ToJsonString())!.AsObject();
        edit(json);
        var altered = Pdu.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject(), create.EventId, version);
        return room.Authorize(altered);
    }
}
