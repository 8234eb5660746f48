using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Events;

public sealed class EventBuilderTests : IDisposable
{
    private readonly SigningKey _key = SigningKey.Generate("k1");
    private readonly EventBuilder _builder;

    public EventBuilderTests() => _builder = new EventBuilder(ServerName.Parse("hs.example"), _key);

    public void Dispose() => _key.Dispose();

    private static EventTemplate Message(string? roomId = "!r:hs.example") => new()
    {
        Type = EventTypes.Message,
        Sender = "@u:hs.example",
        Content = new JsonObject { ["body"] = "hi" },
        RoomId = roomId,
        Depth = 2,
        OriginServerTs = 5,
    };

    private sealed class Hashes(Dictionary<string, string> known) : IReferenceHashLookup
    {
        public string? FindReferenceHash(string eventId) => known.GetValueOrDefault(eventId);
    }

    [Fact]
    public async Task Builds_a_signed_hashed_v11_event()
    {
        var pdu = _builder.Build(RoomVersions.V11, Message() with { PrevEvents = ["$" + new string('p', 43)], AuthEvents = ["$" + new string('a', 43)] });
        Assert.Equal(EventIds.Compute(pdu.Json, pdu.Version), pdu.EventId);
        Assert.False(pdu.Json.ContainsKey("event_id"));
        Assert.False(pdu.Json.ContainsKey("origin"));
        Assert.True(EventHashes.CheckContentHash(pdu.Json, pdu.Version));
        var keys = new TestKeyLookup().Add("hs.example", _key);
        Assert.True((await EventSigning.VerifyAsync(pdu, keys)).IsValid);
        Assert.Equal(["$" + new string('p', 43)], pdu.PrevEvents);
    }

    public static TheoryData<string> DerivedIdVersions() => [.. RoomVersions.All.Where(v => v.EventFormat != EventFormat.V1).Select(v => v.Id)];

    [Theory]
    [MemberData(nameof(DerivedIdVersions))]
    public void The_id_computed_with_the_signature_is_the_reference_hash_id(string versionId)
    {
        // A member event (redaction keeps some of its content, drops the rest) with unsigned data (outside the hash).
        var version = RoomVersions.Find(versionId)!;
        var template = Message() with
        {
            Type = EventTypes.Member,
            StateKey = "@u:hs.example",
            Content = new JsonObject { ["membership"] = "join", ["displayname"] = "U" },
            Unsigned = new JsonObject { ["age"] = 3 },
            RoomId = version.RoomIdIsCreateEventHash ? "!" + new string('c', 43) : "!r:hs.example",
            PrevEvents = ["$" + new string('p', 43)],
        };
        var pdu = _builder.Build(version, template);
        Assert.Equal(EventIds.Compute(pdu.Json, version), pdu.EventId);
        Assert.Equal(pdu.EventId, PduParser.Parse(System.Text.Encoding.UTF8.GetBytes(CanonicalJson.SerializeToString(pdu.Json)), version).EventId);
    }

    [Fact]
    public void V1_events_get_a_random_id_and_reference_pairs()
    {
        var lookup = new Hashes(new() { ["$p:hs.example"] = "PHASH", ["$a:hs.example"] = "AHASH" });
        var pdu = _builder.Build(RoomVersions.V1, Message() with { PrevEvents = ["$p:hs.example"], AuthEvents = ["$a:hs.example"] }, lookup);
        Assert.EndsWith(":hs.example", pdu.EventId, StringComparison.Ordinal);
        Assert.Equal(pdu.EventId, pdu.Json["event_id"]!.GetValue<string>());
        Assert.Equal("""[["$p:hs.example",{"sha256":"PHASH"}]]""", CanonicalJson.SerializeToString(pdu.Json["prev_events"]));
        Assert.Equal(["$a:hs.example"], pdu.AuthEvents);
    }

    [Fact]
    public void V1_needs_the_reference_hashes() =>
        Assert.Throws<InvalidOperationException>(() => _builder.Build(RoomVersions.V1, Message() with { PrevEvents = ["$p:hs.example"] }, new Hashes([])));

    [Fact]
    public void V12_create_has_no_room_id_and_derives_it()
    {
        var create = new EventTemplate
        {
            Type = EventTypes.Create,
            StateKey = "",
            Sender = "@u:hs.example",
            Content = new JsonObject { ["room_version"] = "12" },
            Depth = 1,
            OriginServerTs = 5,
        };
        var pdu = _builder.Build(RoomVersions.V12, create);
        Assert.False(pdu.Json.ContainsKey("room_id"));
        Assert.Equal(RoomId.FromCreateEventId(pdu.EventId), pdu.RoomId);
        Assert.True(RoomId.Parse(pdu.RoomId).IsHashForm);

        Assert.Throws<ArgumentException>(() => _builder.Build(RoomVersions.V12, create with { RoomId = "!x:hs.example" }));
        Assert.Throws<ArgumentException>(() => _builder.Build(RoomVersions.V11, create));
    }

    [Fact]
    public void V12_events_drop_the_create_event_from_auth_events()
    {
        var roomId = "!" + new string('c', 43);
        var other = "$" + new string('m', 43);
        var pdu = _builder.Build(RoomVersions.V12, Message(roomId) with { AuthEvents = ["$" + new string('c', 43), other] });
        Assert.Equal([other], pdu.AuthEvents);
    }

    [Fact]
    public void Redacts_moves_into_content_from_v11()
    {
        var target = "$" + new string('t', 43);
        var template = Message() with { Type = EventTypes.Redaction, Content = [], Redacts = target };
        var v10 = _builder.Build(RoomVersions.V10, template);
        Assert.Equal(target, v10.Json["redacts"]!.GetValue<string>());
        Assert.Equal(target, v10.Redacts);
        var v11 = _builder.Build(RoomVersions.V11, template);
        Assert.False(v11.Json.ContainsKey("redacts"));
        Assert.Equal(target, v11.Content["redacts"]!.GetValue<string>());
        Assert.Equal(target, v11.Redacts);
    }

    [Fact]
    public void Content_is_copied_not_taken()
    {
        var template = Message();
        var a = _builder.Build(RoomVersions.V10, template);
        var b = _builder.Build(RoomVersions.V10, template);
        Assert.NotSame(template.Content, a.Content);
        Assert.NotSame(a.Content, b.Content);
        Assert.Null(template.Content.Parent);
        Assert.Equal(a.EventId, b.EventId);
    }

    [Fact]
    public void Sender_must_be_local() =>
        Assert.Throws<ArgumentException>(() => _builder.Build(RoomVersions.V10, Message() with { Sender = "@u:elsewhere.example" }));

    [Fact]
    public void Depth_is_capped_at_the_canonical_maximum()
    {
        var pdu = _builder.Build(RoomVersions.V10, Message() with { Depth = long.MaxValue });
        Assert.Equal(PduParser.MaxDepth, pdu.Depth);
    }

    [Fact]
    public void Oversized_events_are_refused()
    {
        var big = Message() with { Content = new JsonObject { ["body"] = new string('x', PduParser.MaxPduBytes) } };
        Assert.Equal(PduValidationError.TooLarge, Assert.Throws<PduValidationException>(() => _builder.Build(RoomVersions.V10, big)).Error);
    }

    [Fact]
    public void Unsigned_is_carried_but_not_signed()
    {
        var pdu = _builder.Build(RoomVersions.V10, Message() with { Unsigned = new JsonObject { ["age"] = 1 } });
        Assert.Equal(1, pdu.Json["unsigned"]!["age"]!.GetValue<int>());
        pdu.Json["unsigned"] = new JsonObject { ["age"] = 2 };
        Assert.True(EventHashes.CheckContentHash(pdu.Json, pdu.Version));
    }
}
