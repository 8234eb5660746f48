using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Tests.E2ee.Olm;

/// <summary>The binding itself works (no server involved): the E2EE tests rely on it.</summary>
public sealed class OlmBindingTests
{
    [Fact]
    public void Olm_and_megolm_round_trip_between_two_accounts()
    {
        using var alice = new OlmAccount();
        using var bob = new OlmAccount();
        var bobKeys = bob.GenerateOneTimeKeys(1);
        bob.MarkKeysAsPublished();
        var bobOneTimeKey = bobKeys["curve25519"]!.AsObject().First().Value!.GetValue<string>();

        using var outbound = OlmSession.CreateOutbound(alice, bob.Curve25519, bobOneTimeKey);
        using var group = new OlmOutboundGroupSession();
        var (type, body) = outbound.Encrypt(new JsonObject { ["session_key"] = group.SessionKey }.ToJsonString());
        Assert.Equal(0, type);

        using var inbound = OlmSession.CreateInbound(bob, body);
        bob.RemoveOneTimeKeys(inbound);
        var roomKey = JsonNode.Parse(inbound.Decrypt(type, body))!["session_key"]!.GetValue<string>();

        using var receiver = new OlmInboundGroupSession(roomKey);
        Assert.Equal("hello, bob", receiver.Decrypt(group.Encrypt("hello, bob")));
        // Device signatures verify with the account's Ed25519 identity key.
        var signature = Matrix.Crypto.UnpaddedBase64.Decode(alice.Sign("device keys"));
        Assert.True(Matrix.Crypto.VerifyKey.FromBase64(alice.Ed25519).Verify("device keys"u8, signature));
    }
}
