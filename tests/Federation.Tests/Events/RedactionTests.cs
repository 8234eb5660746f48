using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Events;

public class RedactionTests
{
    private const string AllTopLevelKeys = """
        {
            "event_id": "$e:x", "type": "m.room.message", "room_id": "!r:x", "sender": "@u:x", "state_key": "",
            "content": { "body": "secret" }, "hashes": { "sha256": "h" }, "signatures": { "x": { "ed25519:1": "s" } },
            "depth": 5, "prev_events": ["$p"], "prev_state": [], "auth_events": ["$a"], "origin": "x",
            "origin_server_ts": 9, "membership": "join", "unsigned": { "age": 1 }, "redacts": "$r", "extra": 1
        }
        """;

    private static string Redacted(RoomVersion version, string type, string content)
    {
        var ev = new JsonObject { ["type"] = type, ["content"] = JsonNode.Parse(content) };
        return CanonicalJson.SerializeToString(Redaction.Redact(ev, version)["content"]);
    }

    public static TheoryData<string, string> TopLevel => new()
    {
        { "1", """{"auth_events":["$a"],"content":{},"depth":5,"event_id":"$e:x","hashes":{"sha256":"h"},"membership":"join","origin":"x","origin_server_ts":9,"prev_events":["$p"],"prev_state":[],"room_id":"!r:x","sender":"@u:x","signatures":{"x":{"ed25519:1":"s"}},"state_key":"","type":"m.room.message"}""" },
        { "10", """{"auth_events":["$a"],"content":{},"depth":5,"event_id":"$e:x","hashes":{"sha256":"h"},"membership":"join","origin":"x","origin_server_ts":9,"prev_events":["$p"],"prev_state":[],"room_id":"!r:x","sender":"@u:x","signatures":{"x":{"ed25519:1":"s"}},"state_key":"","type":"m.room.message"}""" },
        { "11", """{"auth_events":["$a"],"content":{},"depth":5,"event_id":"$e:x","hashes":{"sha256":"h"},"origin_server_ts":9,"prev_events":["$p"],"room_id":"!r:x","sender":"@u:x","signatures":{"x":{"ed25519:1":"s"}},"state_key":"","type":"m.room.message"}""" },
        { "12", """{"auth_events":["$a"],"content":{},"depth":5,"event_id":"$e:x","hashes":{"sha256":"h"},"origin_server_ts":9,"prev_events":["$p"],"room_id":"!r:x","sender":"@u:x","signatures":{"x":{"ed25519:1":"s"}},"state_key":"","type":"m.room.message"}""" },
    };

    [Theory]
    [MemberData(nameof(TopLevel))]
    public void Top_level_keys_kept(string version, string expected)
    {
        var ev = CanonicalJsonParser.ParseObject(AllTopLevelKeys);
        Assert.Equal(expected, CanonicalJson.SerializeToString(Redaction.Redact(ev, RoomVersions.Find(version)!)));
    }

    // For every version, every event type with a content rule: the content with every key the rule knows plus an extra.
    public static TheoryData<string, string, string, string> ContentRules()
    {
        const string member = """{"membership":"join","join_authorised_via_users_server":"@a:x","third_party_invite":{"signed":{"mxid":"@b:x"},"display_name":"B"},"displayname":"A"}""";
        const string create = """{"creator":"@a:x","room_version":"1","m.federate":false}""";
        const string joinRules = """{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!r:x"}],"extra":1}""";
        const string powerLevels = """{"ban":50,"events":{"m.room.name":50},"events_default":0,"invite":50,"kick":50,"notifications":{"room":50},"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";
        const string aliases = """{"aliases":["#a:x"],"extra":1}""";
        const string history = """{"history_visibility":"shared","extra":1}""";
        const string redaction = """{"redacts":"$e","reason":"spam"}""";
        const string plPre11 = """{"ban":50,"events":{"m.room.name":50},"events_default":0,"kick":50,"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";
        const string plFrom11 = """{"ban":50,"events":{"m.room.name":50},"events_default":0,"invite":50,"kick":50,"redact":50,"state_default":50,"users":{"@a:x":100},"users_default":0}""";

        var data = new TheoryData<string, string, string, string>();
        foreach (var v in RoomVersions.All)
        {
            var n = int.Parse(v.Id, System.Globalization.CultureInfo.InvariantCulture);
            data.Add(v.Id, EventTypes.Member, member, n switch
            {
                < 9 => """{"membership":"join"}""",
                < 11 => """{"join_authorised_via_users_server":"@a:x","membership":"join"}""",
                _ => """{"join_authorised_via_users_server":"@a:x","membership":"join","third_party_invite":{"signed":{"mxid":"@b:x"}}}""",
            });
            data.Add(v.Id, EventTypes.Create, create, n < 11 ? """{"creator":"@a:x"}""" : """{"creator":"@a:x","m.federate":false,"room_version":"1"}""");
            data.Add(v.Id, EventTypes.JoinRules, joinRules, n < 8 ? """{"join_rule":"restricted"}""" : """{"allow":[{"room_id":"!r:x","type":"m.room_membership"}],"join_rule":"restricted"}""");
            data.Add(v.Id, EventTypes.PowerLevels, powerLevels, n < 11 ? plPre11 : plFrom11);
            data.Add(v.Id, EventTypes.Aliases, aliases, n < 6 ? """{"aliases":["#a:x"]}""" : "{}");
            data.Add(v.Id, EventTypes.HistoryVisibility, history, """{"history_visibility":"shared"}""");
            data.Add(v.Id, EventTypes.Redaction, redaction, n < 11 ? "{}" : """{"redacts":"$e"}""");
            data.Add(v.Id, EventTypes.Message, """{"body":"hi","msgtype":"m.text"}""", "{}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ContentRules))]
    public void Content_keys_kept_per_type(string version, string type, string content, string expected) =>
        Assert.Equal(expected, Redacted(RoomVersions.Find(version)!, type, content));

    [Fact]
    public void V11_member_third_party_invite_without_signed_keeps_an_empty_object() =>
        Assert.Equal("""{"membership":"invite","third_party_invite":{}}""", Redacted(RoomVersions.V11, EventTypes.Member, """{"membership":"invite","third_party_invite":{"display_name":"x"}}"""));

    [Fact]
    public void Redaction_does_not_change_the_input_and_is_idempotent()
    {
        var ev = CanonicalJsonParser.ParseObject(AllTopLevelKeys);
        var before = CanonicalJson.SerializeToString(ev);
        var once = Redaction.Redact(ev, RoomVersions.V11);
        Assert.Equal(before, CanonicalJson.SerializeToString(ev));
        Assert.Equal(CanonicalJson.SerializeToString(once), CanonicalJson.SerializeToString(Redaction.Redact(once, RoomVersions.V11)));
    }

    [Fact]
    public void Missing_or_non_object_content_becomes_empty()
    {
        Assert.Equal("""{"content":{},"type":"X"}""", CanonicalJson.SerializeToString(Redaction.Redact(new JsonObject { ["type"] = "X" }, RoomVersions.V1)));
        Assert.Equal("""{"content":{},"type":"X"}""", CanonicalJson.SerializeToString(Redaction.Redact(new JsonObject { ["type"] = "X", ["content"] = 5 }, RoomVersions.V1)));
    }
}
