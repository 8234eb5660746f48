using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Homeserver.RemoteRooms;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>What a resident server's membership template may and may not make us build.</summary>
public sealed class MembershipTemplateTests
{
    private const string Room = "!room:resident.test";
    private const string User = "@bob:home.test";
    private const string PrevId = "$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    private static JsonObject Answer(Action<JsonObject>? change = null, string version = "10", string membership = "join")
    {
        var template = new JsonObject
        {
            ["type"] = "m.room.member", ["room_id"] = Room, ["sender"] = User, ["state_key"] = User, ["origin"] = "resident.test",
            ["origin_server_ts"] = 5, ["depth"] = 7, ["content"] = new JsonObject { ["membership"] = membership },
            ["prev_events"] = new JsonArray(PrevId), ["auth_events"] = new JsonArray("$bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        };
        change?.Invoke(template);
        return new JsonObject { ["room_version"] = version, ["event"] = template };
    }

    private static CheckedTemplate Check(JsonObject answer, string membership = "join", JsonObject? content = null) =>
        MembershipTemplate.Check(answer, "resident.test", Room, User, membership, content ?? new JsonObject { ["displayname"] = "Bob" }, now: 1000);

    [Fact]
    public void Only_the_dag_position_is_taken_from_the_template_the_content_is_ours()
    {
        var result = Check(Answer(t => t["content"]!["avatar_url"] = "mxc://evil/planted"));
        Assert.Equal("10", result.Version.Id);
        Assert.Equal([PrevId], result.Event.PrevEvents);
        Assert.Equal(7, result.Event.Depth);
        Assert.Equal(1000, result.Event.OriginServerTs);
        Assert.Equal("Bob", result.Event.Content["displayname"]!.GetValue<string>());
        Assert.False(result.Event.Content.ContainsKey("avatar_url"));
        Assert.Equal("join", result.Event.Content["membership"]!.GetValue<string>());
    }

    [Fact]
    public void A_vouching_user_of_the_resident_server_is_kept()
    {
        var result = Check(Answer(t => t["content"]![AuthEventSelection.JoinAuthorisedViaKey] = "@admin:resident.test"));
        Assert.Equal("@admin:resident.test", result.Event.Content[AuthEventSelection.JoinAuthorisedViaKey]!.GetValue<string>());
    }

    public static TheoryData<string, Action<JsonObject>> Tampered => new()
    {
        { "someone else's membership", t => t["state_key"] = "@victim:home.test" },
        { "another sender", t => t["sender"] = "@victim:home.test" },
        { "another room", t => t["room_id"] = "!other:resident.test" },
        { "not a member event", t => t["type"] = "m.room.power_levels" },
        { "another membership", t => t["content"]!["membership"] = "ban" },
        { "a vouching user of another server", t => t["content"]![AuthEventSelection.JoinAuthorisedViaKey] = "@admin:third.test" },
        { "no prev events", t => t["prev_events"] = new JsonArray() },
        { "too many prev events", t => t["prev_events"] = new JsonArray([.. Enumerable.Range(0, 21).Select(i => (JsonNode)$"$a{i:D42}")]) },
        { "too many auth events", t => t["auth_events"] = new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)$"$b{i:D42}")]) },
        { "a malformed event ID", t => t["prev_events"] = new JsonArray("not-an-id") },
        { "a negative depth", t => t["depth"] = -1 },
        { "no content", t => t.Remove("content") },
    };

    [Theory]
    [MemberData(nameof(Tampered))]
    public void Templates_for_anything_but_our_users_membership_are_refused(string what, Action<JsonObject> tamper)
    {
        var e = Assert.Throws<RemoteAnswerException>(() => Check(Answer(tamper)));
        Assert.Equal("resident.test", e.Server);
        Assert.NotNull(what);
    }

    [Fact]
    public void Room_versions_we_do_not_support_are_refused_with_the_spec_error()
    {
        var e = Assert.Throws<RemoteAnswerException>(() => Check(Answer(version: "org.example.custom")));
        Assert.Equal("M_UNSUPPORTED_ROOM_VERSION", e.ForClient.ErrCode);
        Assert.Throws<RemoteAnswerException>(() => Check(Answer(version: "6", membership: "knock"), membership: "knock"));
        Assert.Equal("7", Check(Answer(version: "7", membership: "knock"), membership: "knock").Version.Id);
    }

    [Fact]
    public void Version_one_templates_give_the_reference_hashes_of_the_events_they_cite()
    {
        var answer = Answer(t =>
        {
            t["prev_events"] = new JsonArray(new JsonArray("$prev:resident.test", new JsonObject { ["sha256"] = "cHJldg" }));
            t["auth_events"] = new JsonArray(new JsonArray("$auth:resident.test", new JsonObject { ["sha256"] = "YXV0aA" }));
        });
        answer.Remove("room_version");
        var result = Check(answer);
        Assert.Equal("1", result.Version.Id);
        Assert.Equal("cHJldg", result.References!.FindReferenceHash("$prev:resident.test"));
        Assert.Equal("YXV0aA", result.References.FindReferenceHash("$auth:resident.test"));
    }
}
