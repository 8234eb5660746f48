using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Tests.E2ee.Olm;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// The whole of end-to-end encryption across two servers with real cryptography (libolm): alice@hs1 and
/// bob@hs2 share an encrypted room; alice finds bob's device through hs1, claims one of its one-time keys
/// from hs2, opens an Olm session, sends bob the room's Megolm key as a to-device message over federation,
/// and bob decrypts her encrypted room message on hs2. The servers only ever carry ciphertext.
/// </summary>
[Collection(KeysFederationCollection.Name)]
public sealed class OlmAcrossServersTests(KeysFederationFixture fixture)
{
    private const string OlmAlgorithm = "m.olm.v1.curve25519-aes-sha2";
    private const string MegolmAlgorithm = "m.megolm.v1.aes-sha2";
    private static readonly string[] Unsigned = ["signatures", "unsigned"];

    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    /// <summary>Signs an object with the device's Ed25519 identity key, as clients sign their keys.</summary>
    private static JsonObject SignedBy(OlmAccount account, TestUser user, JsonObject obj)
    {
        var canonical = Encoding.UTF8.GetString(CanonicalJson.SerializeWithout(obj, Unsigned, CanonicalJsonMode.Lenient));
        JsonSigning.AddSignature(obj, user.UserId, $"ed25519:{user.DeviceId}", account.Sign(canonical));
        return obj;
    }

    private static JsonObject DeviceKeys(OlmAccount account, TestUser user) => SignedBy(account, user, new JsonObject
    {
        ["user_id"] = user.UserId,
        ["device_id"] = user.DeviceId,
        ["algorithms"] = new JsonArray(OlmAlgorithm, MegolmAlgorithm),
        ["keys"] = new JsonObject { [$"curve25519:{user.DeviceId}"] = account.Curve25519, [$"ed25519:{user.DeviceId}"] = account.Ed25519 },
    });

    /// <summary>The user's device keys as another user's server shows them, checked like a client: signed by the device's own Ed25519 key.</summary>
    private static async Task<JsonObject> VerifiedDeviceKeysAsync(TestHomeserver server, TestUser asker, TestUser owner)
    {
        var answer = await server.QueryAsync(asker, FederatedKeys.AllDevicesOf(owner));
        var keys = answer["device_keys"]![owner.UserId]![owner.DeviceId]!.AsObject();
        var ed25519 = KeyJson.Ed25519Key(keys, owner.DeviceId)!;
        Assert.True(KeyJson.HasValidSignature(keys, owner.UserId, $"ed25519:{owner.DeviceId}", ed25519));
        return keys;
    }

    [Fact]
    public async Task A_megolm_message_sent_on_one_server_decrypts_on_the_other()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        (await Hs1.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/state/m.room.encryption/",
            new JsonObject { ["algorithm"] = MegolmAlgorithm }, alice.AccessToken)).Ok();
        using var aliceDevice = new OlmAccount();
        using var bobDevice = new OlmAccount();

        (await Hs1.UploadAsync(alice, new JsonObject { ["device_keys"] = DeviceKeys(aliceDevice, alice) })).Ok();
        var (otkId, otk) = bobDevice.GenerateOneTimeKeys(1)["curve25519"]!.AsObject().Single();
        (await Hs2.UploadAsync(bob, new JsonObject
        {
            ["device_keys"] = DeviceKeys(bobDevice, bob),
            ["one_time_keys"] = new JsonObject { [$"signed_curve25519:{otkId}"] = SignedBy(bobDevice, bob, new JsonObject { ["key"] = otk!.GetValue<string>() }) },
        })).Ok();
        bobDevice.MarkKeysAsPublished();

        // Alice (hs1) finds bob's device and claims a one-time key from hs2; both checked against his device's signature.
        var bobKeys = await VerifiedDeviceKeysAsync(Hs1, alice, bob);
        var bobCurve = bobKeys["keys"]![$"curve25519:{bob.DeviceId}"]!.GetValue<string>();
        var claim = (await Hs1.Http.PostJsonAsync("/_matrix/client/v3/keys/claim",
            new JsonObject { ["one_time_keys"] = new JsonObject { [bob.UserId] = new JsonObject { [bob.DeviceId] = "signed_curve25519" } } }, alice.AccessToken)).Ok();
        var claimed = claim["one_time_keys"]![bob.UserId]![bob.DeviceId]!.AsObject().Single().Value!.AsObject();
        Assert.True(KeyJson.HasValidSignature(claimed, bob.UserId, $"ed25519:{bob.DeviceId}", KeyJson.Ed25519Key(bobKeys, bob.DeviceId)!));

        // The room key goes to bob's device in an Olm pre-key message, over m.direct_to_device.
        using var olm = OlmSession.CreateOutbound(aliceDevice, bobCurve, claimed["key"]!.GetValue<string>());
        using var megolm = new OlmOutboundGroupSession();
        var roomKey = new JsonObject
        {
            ["type"] = "m.room_key",
            ["content"] = new JsonObject { ["algorithm"] = MegolmAlgorithm, ["room_id"] = roomId, ["session_id"] = megolm.SessionId, ["session_key"] = megolm.SessionKey },
            ["sender"] = alice.UserId,
            ["recipient"] = bob.UserId,
            ["recipient_keys"] = new JsonObject { ["ed25519"] = bobDevice.Ed25519 },
            ["keys"] = new JsonObject { ["ed25519"] = aliceDevice.Ed25519 },
        };
        var (type, body) = olm.Encrypt(roomKey.ToJsonString());
        var toDevice = new JsonObject
        {
            ["algorithm"] = OlmAlgorithm,
            ["sender_key"] = aliceDevice.Curve25519,
            ["ciphertext"] = new JsonObject { [bobCurve] = new JsonObject { ["type"] = type, ["body"] = body } },
        };
        (await Hs1.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.room.encrypted/key1",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId] = new JsonObject { [bob.DeviceId] = toDevice } } }, alice.AccessToken)).Ok();

        const string secret = "meet me at the usual place";
        var plaintext = new JsonObject { ["type"] = "m.room.message", ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = secret }, ["room_id"] = roomId };
        var encrypted = new JsonObject
        {
            ["algorithm"] = MegolmAlgorithm,
            ["sender_key"] = aliceDevice.Curve25519,
            ["device_id"] = alice.DeviceId,
            ["session_id"] = megolm.SessionId,
            ["ciphertext"] = megolm.Encrypt(plaintext.ToJsonString()),
        };
        var eventId = (await Hs1.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/send/m.room.encrypted/m1", encrypted, alice.AccessToken)).Ok()["event_id"]!.GetValue<string>();

        // Bob (hs2), syncing: the to-device message came from alice's device as hs2 knows it, and opens with his one-time key.
        JsonArray? toDeviceEvents = null;
        Assert.True(await Eventually.HoldsAsync(async () =>
            (toDeviceEvents = (await Hs2.SyncAsync(bob))["to_device"]?["events"]?.AsArray()) is { Count: > 0 }));
        var received = Assert.Single(toDeviceEvents!)!.AsObject();
        Assert.Equal(alice.UserId, received["sender"]!.GetValue<string>());
        Assert.Equal("m.room.encrypted", received["type"]!.GetValue<string>());
        var aliceKeys = await VerifiedDeviceKeysAsync(Hs2, bob, alice);
        Assert.Equal(aliceKeys["keys"]![$"curve25519:{alice.DeviceId}"]!.GetValue<string>(), received["content"]!["sender_key"]!.GetValue<string>());
        var cipher = received["content"]!["ciphertext"]![bobDevice.Curve25519]!;
        var preKey = cipher["body"]!.GetValue<string>();
        using var inbound = OlmSession.CreateInbound(bobDevice, preKey);
        bobDevice.RemoveOneTimeKeys(inbound);
        var opened = JsonNode.Parse(inbound.Decrypt(cipher["type"]!.GetValue<int>(), preKey))!;
        Assert.Equal(alice.UserId, opened["sender"]!.GetValue<string>());
        Assert.Equal(bobDevice.Ed25519, opened["recipient_keys"]!["ed25519"]!.GetValue<string>());

        Assert.True(await Hs2.WaitForTimelineAsync([eventId]));
        var served = (await Hs2.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{roomId}/event/{eventId}", bob.AccessToken)).Ok();
        using var receiver = new OlmInboundGroupSession(opened["content"]!["session_key"]!.GetValue<string>());
        var decrypted = JsonNode.Parse(receiver.Decrypt(served["content"]!["ciphertext"]!.GetValue<string>()))!;
        Assert.Equal(secret, decrypted["content"]!["body"]!.GetValue<string>());
        Assert.Equal(roomId, decrypted["room_id"]!.GetValue<string>());
    }
}
