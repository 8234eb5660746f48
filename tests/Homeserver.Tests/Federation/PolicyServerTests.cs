using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Policy;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// A room using a Policy Server (spec v1.18): evil.test plays it, with a member in the room and a key in its
/// m.room.policy event. Our events are signed by it before anyone sees them (its refusal is the client's answer),
/// received events it did not sign are soft failed after it was asked once more.
/// </summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class PolicyServerTests(MembershipFederationFixture fixture) : IDisposable
{
    private const string SignPath = "/_matrix/policy/v1/sign";
    private readonly SigningKey _policyKey = SigningKey.Generate("policy_server");

    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;
    private FakeFederationServer PolicyServerHost => fixture.EvilServer;

    public void Dispose() => _policyKey.Dispose();

    /// <summary>The Policy Server's answer: its signature over the redacted event, as a Policy Server makes it.</summary>
    private (int, JsonNode) Sign(JsonObject pdu)
    {
        var json = (JsonObject)pdu.DeepClone();
        EventSigning.Sign(json, RoomVersions.V10, MembershipFederationFixture.Evil, _policyKey);
        return (200, new JsonObject { [MembershipFederationFixture.Evil] = json["signatures"]![MembershipFederationFixture.Evil]!.DeepClone() });
    }

    private static (int, JsonNode) Refuse(JsonObject _) =>
        (400, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = "The message appears to contain possible spam" });

    /// <summary>A v10 room of hs1's Alice (with Bob of hs2 when asked) that evil.test's member joined, using evil.test as its Policy Server.</summary>
    private async Task<(string RoomId, TestUser Alice, TestUser? Bob, string PolicyEventId)> RoomWithPolicyServerAsync(bool withBob = false)
    {
        var alice = await MembershipFederationFixture.NewUserAsync(Hs1, "alice");
        var roomId = await Hs1.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_version"] = "10" });
        var bob = withBob ? await MembershipFederationFixture.NewUserAsync(Hs2, "bob") : null;
        if (bob is not null) await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);
        var member = "@policy:" + MembershipFederationFixture.Evil;
        var join = FederatedRooms.Build(MembershipFederationFixture.Evil, PolicyServerHost.Key, roomId, await Hs1.SnapshotAsync(roomId), member,
            EventTypes.Member, member, FederatedRooms.Membership(Memberships.Join));
        await Hs1.StoreAsReceivedAsync(join);
        var policyId = await Hs1.SetStateAsync(alice, roomId, EventTypes.Policy, "", new JsonObject
        {
            ["via"] = MembershipFederationFixture.Evil,
            ["public_keys"] = new JsonObject { ["ed25519"] = _policyKey.VerifyKey.Base64 },
        });
        return (roomId, alice, bob, policyId);
    }

    [Fact]
    public async Task Our_events_carry_the_policy_servers_signature_and_its_refusal_is_the_clients_answer()
    {
        PolicyServerHost.Posts[SignPath] = Sign;
        var (roomId, alice, _, policyId) = await RoomWithPolicyServerAsync();

        var sent = await Hs1.SendMessageAsync(roomId, alice, "checked first");
        var pdu = await StoredAsync(sent);
        Assert.True(PolicyServer.FromState(await StoredAsync(policyId))!.HasSigned(pdu));

        PolicyServerHost.Posts[SignPath] = Refuse;
        var refused = await Hs1.PutAsync(alice, $"/rooms/{RoomsClient.Path(roomId)}/send/m.room.message/{Guid.NewGuid():N}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "buy now" });
        refused.IsError(HttpStatusCode.BadRequest, "M_FORBIDDEN");
        Assert.Equal("The message appears to contain possible spam", refused.Object["error"]!.GetValue<string>());

        // The room's m.room.policy event is never sent for signing: the room can always turn its Policy Server off.
        await Hs1.SetStateAsync(alice, roomId, EventTypes.Policy, "", new JsonObject());
        await Hs1.SendMessageAsync(roomId, alice, "unchecked again");
    }

    [Fact]
    public async Task A_received_event_the_policy_server_will_not_sign_is_soft_failed()
    {
        PolicyServerHost.Posts[SignPath] = Sign;
        var (roomId, _, bob, _) = await RoomWithPolicyServerAsync(withBob: true);

        // Sent without the Policy Server's signature: asked once more, it signs, and the event is taken in with it.
        var view = await Hs2.SnapshotAsync(roomId);
        var signedLater = Hs2.Build(roomId, view, bob!.UserId, EventTypes.Message, null, FederatedRooms.Message("signed on the way"));
        await Hs2.PushAsync(Hs1.ServerName, [signedLater]);
        var row = await Hs1.EventRowAsync(signedLater.EventId);
        Assert.True(row is { SoftFailed: false, Outlier: false });
        Assert.NotNull(JsonNode.Parse(row.Json)!["signatures"]![MembershipFederationFixture.Evil]);

        // It refuses the next one: soft failed (kept, never shown).
        PolicyServerHost.Posts[SignPath] = Refuse;
        var refused = Hs2.Build(roomId, view.After(signedLater), bob.UserId, EventTypes.Message, null, FederatedRooms.Message("spam"));
        await Hs2.PushAsync(Hs1.ServerName, [refused]);
        Assert.True((await Hs1.EventRowAsync(refused.EventId))?.SoftFailed);
    }

    [Fact]
    public async Task A_join_over_federation_is_signed_by_the_policy_server_or_refused()
    {
        PolicyServerHost.Posts[SignPath] = Sign;
        var (roomId, _, _, _) = await RoomWithPolicyServerAsync();
        var carol = await MembershipFederationFixture.NewUserAsync(Hs2, "carol");
        // hs2 cannot ask before it knows the room: hs1 asks on send_join, and the join is taken in with the signature.
        (await Hs2.PostAsync(carol, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).Ok();
        var join = await Hs1.StoredMembershipAsync(roomId, carol.UserId);
        Assert.Equal("join", join.Membership);
        Assert.NotNull(join.Json["signatures"]![MembershipFederationFixture.Evil]);

        // Refused, for a server not in the room yet: hs1 soft fails the join and answers 403; dave is not in the room.
        PolicyServerHost.Posts[SignPath] = Refuse;
        var dave = await MembershipFederationFixture.NewUserAsync(fixture.Hs3, "dave");
        var refused = await fixture.Hs3.PostAsync(dave, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test");
        Assert.True(refused.Status == HttpStatusCode.Forbidden, refused.Object.ToJsonString());
        Assert.Null(await Hs1.MembershipRowAsync(roomId, dave.UserId));
        // hs2, in the room through carol, asks the Policy Server itself: its refusal is erin's answer, verbatim.
        var erin = await MembershipFederationFixture.NewUserAsync(Hs2, "erin");
        (await Hs2.PostAsync(erin, $"/join/{RoomsClient.Path(roomId)}?via=hs1.test")).IsError(HttpStatusCode.BadRequest, "M_FORBIDDEN");
    }

    private async Task<Pdu> StoredAsync(string eventId) =>
        Pdu.FromJson(JsonNode.Parse((await Hs1.EventRowAsync(eventId))!.Json)!.AsObject(), eventId, RoomVersions.V10);
}
