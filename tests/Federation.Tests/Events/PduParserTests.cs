using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Events;

public class PduParserTests
{
    private static readonly string Hash = "$" + new string('H', 43);

    private static JsonObject Valid(RoomVersion version)
    {
        var json = new JsonObject
        {
            ["type"] = "m.room.message",
            ["sender"] = "@alice:a.example",
            ["room_id"] = "!room:a.example",
            ["content"] = new JsonObject { ["body"] = "hi" },
            ["depth"] = 4L,
            ["origin_server_ts"] = 1_700_000_000_000,
            ["hashes"] = new JsonObject { ["sha256"] = "abc" },
            ["signatures"] = new JsonObject { ["a.example"] = new JsonObject { ["ed25519:1"] = "sig" } },
        };
        var reference = version.EventFormat == EventFormat.V1 ? (JsonNode)new JsonArray("$p:a.example", new JsonObject { ["sha256"] = "x" }) : Hash;
        json["prev_events"] = new JsonArray(reference.DeepClone());
        json["auth_events"] = new JsonArray(reference.DeepClone());
        if (version.EventFormat == EventFormat.V1) json["event_id"] = "$e:a.example";
        return json;
    }

    private static PduValidationException Invalid(JsonObject json, RoomVersion version) =>
        Assert.Throws<PduValidationException>(() => PduParser.Parse(json, version));

    private static PduValidationException Invalid(string json, RoomVersion version) =>
        Assert.Throws<PduValidationException>(() => PduParser.Parse(Encoding.UTF8.GetBytes(json), version));

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("4")]
    [InlineData("10")]
    [InlineData("11")]
    [InlineData("12")]
    public void Valid_events_parse_with_their_id(string id)
    {
        var version = RoomVersions.Find(id)!;
        var json = Valid(version);
        var pdu = PduParser.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()), version);
        Assert.Equal(EventIds.Compute(json, version), pdu.EventId);
        Assert.Equal("!room:a.example", pdu.RoomId);
        Assert.Single(pdu.PrevEvents);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("sender")]
    [InlineData("room_id")]
    [InlineData("content")]
    [InlineData("depth")]
    [InlineData("origin_server_ts")]
    [InlineData("hashes")]
    [InlineData("signatures")]
    [InlineData("prev_events")]
    [InlineData("auth_events")]
    public void Required_keys(string key)
    {
        var json = Valid(RoomVersions.V10);
        json.Remove(key);
        var ex = Invalid(json, RoomVersions.V10);
        Assert.Equal(PduValidationError.MissingKey, ex.Error);
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void V1_requires_event_id()
    {
        var json = Valid(RoomVersions.V1);
        json.Remove("event_id");
        Assert.Equal(PduValidationError.MissingKey, Invalid(json, RoomVersions.V1).Error);
    }

    [Theory]
    [InlineData("type", "5")]
    [InlineData("sender", "[]")]
    [InlineData("content", "\"x\"")]
    [InlineData("depth", "\"4\"")]
    [InlineData("origin_server_ts", "true")]
    [InlineData("state_key", "1")]
    [InlineData("hashes", "[]")]
    [InlineData("hashes", "{}")]
    [InlineData("signatures", "{\"a.example\":\"x\"}")]
    [InlineData("signatures", "{\"a.example\":{\"ed25519:1\":1}}")]
    [InlineData("prev_events", "{}")]
    [InlineData("auth_events", "[1]")]
    [InlineData("redacts", "7")]
    public void Wrong_types(string key, string value)
    {
        var json = Valid(RoomVersions.V10);
        json[key] = JsonNode.Parse(value);
        var ex = Invalid(json, RoomVersions.V10);
        Assert.Equal(PduValidationError.WrongType, ex.Error);
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void V1_references_must_be_pairs()
    {
        var json = Valid(RoomVersions.V1);
        json["prev_events"] = new JsonArray("$p:a.example");
        Assert.Equal(PduValidationError.WrongType, Invalid(json, RoomVersions.V1).Error);
    }

    [Theory]
    [InlineData("sender", "alice")]
    [InlineData("sender", "@alice")]
    [InlineData("room_id", "room:a.example")]
    [InlineData("event_id", "$nodomain")]
    public void Identifiers_must_follow_the_grammar(string key, string value)
    {
        var json = Valid(RoomVersions.V1);
        json[key] = value;
        var ex = Invalid(json, RoomVersions.V1);
        Assert.Equal(PduValidationError.InvalidIdentifier, ex.Error);
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void References_must_have_the_version_format()
    {
        var json = Valid(RoomVersions.V4);
        json["prev_events"] = new JsonArray("$with/slash+plus" + new string('a', 27));
        Assert.Equal(PduValidationError.InvalidIdentifier, Invalid(json, RoomVersions.V4).Error);
    }

    [Fact]
    public void At_most_20_prev_events_and_10_auth_events()
    {
        var json = Valid(RoomVersions.V10);
        json["prev_events"] = new JsonArray([.. Enumerable.Repeat<JsonNode?>(null, 20).Select(_ => (JsonNode?)Hash)]);
        json["auth_events"] = new JsonArray([.. Enumerable.Repeat<JsonNode?>(null, 10).Select(_ => (JsonNode?)Hash)]);
        PduParser.Parse(json, RoomVersions.V10);

        ((JsonArray)json["prev_events"]!).Add(Hash);
        Assert.Equal(PduValidationError.TooManyPrevEvents, Invalid(json, RoomVersions.V10).Error);
        ((JsonArray)json["prev_events"]!).RemoveAt(0);
        ((JsonArray)json["auth_events"]!).Add(Hash);
        Assert.Equal(PduValidationError.TooManyAuthEvents, Invalid(json, RoomVersions.V10).Error);

        // History and auth chains pulled from other servers are not held to the counts (spec: /backfill).
        ((JsonArray)json["prev_events"]!).Add(Hash);
        Assert.Equal(21, PduParser.Parse(json, RoomVersions.V10, enforceReferenceLimits: false).PrevEvents.Count);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(9007199254740992L)]
    public void Depth_must_be_in_range(long depth)
    {
        var json = Valid(RoomVersions.V3);
        json["depth"] = depth;
        Assert.Equal(PduValidationError.InvalidDepth, Invalid(json, RoomVersions.V3).Error);
    }

    [Fact]
    public void Size_limit_is_64_KiB_of_canonical_json()
    {
        var json = Valid(RoomVersions.V10);
        var size = CanonicalJson.Serialize(json).Length;
        json["content"]!["body"] = "hi" + new string('x', PduParser.MaxPduBytes - size);
        PduParser.Parse(json, RoomVersions.V10);
        json["content"]!["body"] = "hi" + new string('x', PduParser.MaxPduBytes - size + 1);
        Assert.Equal(PduValidationError.TooLarge, Invalid(json, RoomVersions.V10).Error);
    }

    [Fact]
    public void Strict_canonical_json_from_v6()
    {
        var text = Valid(RoomVersions.V6).ToJsonString().Replace("\"depth\":4", "\"depth\":4.0", StringComparison.Ordinal);
        var ex = Invalid(text, RoomVersions.V6);
        Assert.Equal(PduValidationError.InvalidJson, ex.Error);
        Assert.Equal(CanonicalJsonError.NotAnInteger, ex.JsonError);

        var big = Valid(RoomVersions.V6);
        big["content"]!["n"] = 9007199254740992;
        Assert.Equal(CanonicalJsonError.IntegerOutOfRange, Invalid(big, RoomVersions.V6).JsonError);
    }

    [Fact]
    public void Before_v6_large_integers_are_accepted()
    {
        var text = Valid(RoomVersions.V5).ToJsonString().Replace("\"body\":\"hi\"", "\"n\":18446744073709551616", StringComparison.Ordinal);
        var pdu = PduParser.Parse(Encoding.UTF8.GetBytes(text), RoomVersions.V5);
        Assert.Contains("18446744073709551616", CanonicalJson.SerializeToString(pdu.Json, CanonicalJsonMode.Lenient), StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_are_refused_in_every_version()
    {
        var text = Valid(RoomVersions.V3).ToJsonString().Replace("\"depth\":4", "\"depth\":4,\"depth\":5", StringComparison.Ordinal);
        Assert.Equal(CanonicalJsonError.DuplicateKey, Invalid(text, RoomVersions.V3).JsonError);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("state_key")]
    public void Fields_over_255_bytes_are_dropped_from_v11(string key)
    {
        var json = Valid(RoomVersions.V11);
        json[key] = new string('é', 128);
        var ex = Invalid(json, RoomVersions.V11);
        Assert.Equal(PduValidationError.FieldTooLong, ex.Error);
        Assert.Null(ex.RejectedEvent);
    }

    [Fact]
    public void Before_v11_fields_over_255_bytes_but_not_code_points_are_kept_as_rejected()
    {
        var json = Valid(RoomVersions.V10);
        json["state_key"] = new string('é', 128);
        var ex = Invalid(json, RoomVersions.V10);
        Assert.Equal(PduValidationError.FieldTooLong, ex.Error);
        Assert.NotNull(ex.RejectedEvent);

        json["state_key"] = new string('x', 256);
        Assert.Null(Invalid(json, RoomVersions.V10).RejectedEvent);
    }

    [Fact]
    public void V12_create_must_not_have_a_room_id()
    {
        var json = Valid(RoomVersions.V12);
        json["type"] = EventTypes.Create;
        json["state_key"] = "";
        Assert.Equal(PduValidationError.CreateEventHasRoomId, Invalid(json, RoomVersions.V12).Error);

        json.Remove("room_id");
        var pdu = PduParser.Parse(json, RoomVersions.V12);
        Assert.Equal("!" + pdu.EventId[1..], pdu.RoomId);
    }

    [Fact]
    public void V12_auth_events_must_not_list_the_create_event()
    {
        var json = Valid(RoomVersions.V12);
        var roomHash = new string('R', 43);
        json["room_id"] = "!" + roomHash;
        json["auth_events"] = new JsonArray("$" + roomHash);
        Assert.Equal(PduValidationError.AuthEventsListCreateEvent, Invalid(json, RoomVersions.V12).Error);
    }

    [Fact]
    public void Not_json_is_invalid_json() =>
        Assert.Equal(CanonicalJsonError.InvalidJson, Invalid("{\"type\":", RoomVersions.V10).JsonError);
}
