using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Events;

public sealed class EventSignatureTests : IDisposable
{
    private const long Ts = 1_700_000_000_000;

    private readonly SigningKey _keyA = SigningKey.Generate("a1");
    private readonly SigningKey _keyB = SigningKey.Generate("b1");
    private readonly TestKeyLookup _keys = new();

    public EventSignatureTests() => _keys.Add("a.example", _keyA).Add("b.example", _keyB);

    public void Dispose()
    {
        _keyA.Dispose();
        _keyB.Dispose();
    }

    private Pdu Build(RoomVersion version, string type = "m.room.message", string? stateKey = null, JsonObject? content = null) =>
        new EventBuilder(ServerName.Parse("a.example"), _keyA).Build(version, new EventTemplate
        {
            Type = type,
            StateKey = stateKey,
            Sender = "@alice:a.example",
            Content = content ?? new JsonObject { ["body"] = "hello", ["msgtype"] = "m.text" },
            RoomId = "!room:a.example",
            PrevEvents = version.EventFormat == EventFormat.V1 ? [] : ["$" + new string('P', 43)],
            Depth = 3,
            OriginServerTs = Ts,
        });

    // Re-reads a PDU after its JSON was changed, as a receiving server would.
    private static Pdu Reparse(JsonObject json, RoomVersion version, string? eventId = null) =>
        Pdu.FromJson(json, eventId ?? EventIds.Compute(json, version), version);

    private async Task<EventSignatureCheck> Verify(Pdu pdu) => await EventSigning.VerifyAsync(pdu, _keys);

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("6")]
    [InlineData("11")]
    [InlineData("12")]
    public async Task Built_events_verify(string version)
    {
        var pdu = Build(RoomVersions.Find(version)!);
        Assert.True((await Verify(pdu)).IsValid);
        Assert.True(EventHashes.CheckContentHash(pdu.Json, pdu.Version));
    }

    [Fact]
    public async Task Missing_sender_signature_fails()
    {
        var pdu = Build(RoomVersions.V10);
        pdu.Json["signatures"] = new JsonObject();
        var check = await Verify(Reparse(pdu.Json, pdu.Version));
        Assert.Equal(new EventSignatureCheck("a.example", SignatureStatus.NotSigned), check);
    }

    [Fact]
    public async Task Signature_by_another_key_fails()
    {
        var pdu = Build(RoomVersions.V10);
        var wrong = new TestKeyLookup().Add("a.example", SigningKey.FromSeed(_keyB.ExportSeed(), "a1"));
        var check = await EventSigning.VerifyAsync(pdu, wrong);
        Assert.Equal(SignatureStatus.Invalid, check.Status);
    }

    [Fact]
    public async Task Unknown_key_fails()
    {
        var pdu = Build(RoomVersions.V10);
        var check = await EventSigning.VerifyAsync(pdu, new TestKeyLookup());
        Assert.Equal(new EventSignatureCheck("a.example", SignatureStatus.NoKnownKey), check);
    }

    [Fact]
    public async Task Tampered_content_keeps_the_signature_but_fails_the_hash()
    {
        var pdu = Build(RoomVersions.V10);
        pdu.Json["content"]!["body"] = "tampered";
        var tampered = Reparse(pdu.Json, pdu.Version, pdu.EventId);
        Assert.True((await Verify(tampered)).IsValid);
        Assert.False(EventHashes.CheckContentHash(tampered.Json, tampered.Version));
    }

    [Fact]
    public async Task Tampered_redacted_field_fails_the_signature()
    {
        var pdu = Build(RoomVersions.V10, EventTypes.Member, "@alice:a.example", new JsonObject { ["membership"] = "join" });
        pdu.Json["content"]!["membership"] = "ban";
        Assert.Equal(SignatureStatus.Invalid, (await Verify(Reparse(pdu.Json, pdu.Version, pdu.EventId))).Status);

        var other = Build(RoomVersions.V10);
        other.Json["origin_server_ts"] = Ts + 1;
        Assert.Equal(SignatureStatus.Invalid, (await Verify(Reparse(other.Json, other.Version, other.EventId))).Status);
    }

    [Fact]
    public async Task Redacted_copy_still_verifies()
    {
        var pdu = Build(RoomVersions.V11);
        var redacted = Reparse(Redaction.Redact(pdu.Json, pdu.Version), pdu.Version);
        Assert.Equal(pdu.EventId, redacted.EventId);
        Assert.True((await Verify(redacted)).IsValid);
        Assert.False(EventHashes.CheckContentHash(redacted.Json, redacted.Version));
    }

    [Fact]
    public async Task Expired_key_counts_from_v5_only()
    {
        var expired = new TestKeyLookup().Add("a.example", _keyA, validUntilTs: Ts - 1);
        Assert.Equal(SignatureStatus.NoKnownKey, (await EventSigning.VerifyAsync(Build(RoomVersions.V5), expired)).Status);
        Assert.True((await EventSigning.VerifyAsync(Build(RoomVersions.V4), expired)).IsValid);

        var validAtTs = new TestKeyLookup().Add("a.example", _keyA, validUntilTs: Ts);
        Assert.True((await EventSigning.VerifyAsync(Build(RoomVersions.V5), validAtTs)).IsValid);
    }

    [Fact]
    public async Task V1_event_id_server_must_sign_too()
    {
        var json = Build(RoomVersions.V1).Json;
        json["event_id"] = "$other:b.example";
        EventSigning.Sign(json, RoomVersions.V1, "a.example", _keyA);
        var pdu = Reparse(json, RoomVersions.V1);
        Assert.Equal(["a.example", "b.example"], EventSigning.RequiredSigners(pdu));
        Assert.Equal(new EventSignatureCheck("b.example", SignatureStatus.NotSigned), await Verify(pdu));

        EventSigning.Sign(json, RoomVersions.V1, "b.example", _keyB);
        Assert.True((await Verify(Reparse(json, RoomVersions.V1))).IsValid);
    }

    [Fact]
    public void V3_needs_only_the_sender_server() =>
        Assert.Equal(["a.example"], EventSigning.RequiredSigners(Build(RoomVersions.V3)));

    [Fact]
    public async Task Restricted_join_needs_the_authorising_server_from_v8()
    {
        var content = new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = "@bob:b.example" };
        var v9 = Build(RoomVersions.V9, EventTypes.Member, "@alice:a.example", content);
        Assert.Equal(["a.example", "b.example"], EventSigning.RequiredSigners(v9));
        Assert.Equal(new EventSignatureCheck("b.example", SignatureStatus.NotSigned), await Verify(v9));

        EventSigning.Sign(v9.Json, v9.Version, "b.example", _keyB);
        Assert.True((await Verify(Reparse(v9.Json, v9.Version))).IsValid);

        var v7 = Build(RoomVersions.V7, EventTypes.Member, "@alice:a.example", content);
        Assert.Equal(["a.example"], EventSigning.RequiredSigners(v7));
    }

    [Fact]
    public void Third_party_invite_does_not_need_the_sender_server()
    {
        var content = new JsonObject { ["membership"] = "invite", ["third_party_invite"] = new JsonObject { ["signed"] = new JsonObject() } };
        Assert.Empty(EventSigning.RequiredSigners(Build(RoomVersions.V10, EventTypes.Member, "@carol:c.example", content)));
    }

    [Fact]
    public async Task Signatures_of_unknown_algorithms_are_ignored()
    {
        var pdu = Build(RoomVersions.V10);
        pdu.Json["signatures"]!["a.example"]!.AsObject()["curve25519:x"] = "junk";
        Assert.True((await Verify(Reparse(pdu.Json, pdu.Version, pdu.EventId))).IsValid);
    }
}
