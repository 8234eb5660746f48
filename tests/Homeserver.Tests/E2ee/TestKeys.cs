using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>Signing with throwaway Ed25519 keys, the way clients sign their device and cross-signing keys.</summary>
internal static class TestKeys
{
    public static JsonObject Sign(JsonObject obj, string userId, string keyId, SigningKey key)
    {
        JsonSigning.AddSignature(obj, userId, keyId, JsonSigning.ComputeSignature(obj, key, CanonicalJsonMode.Lenient));
        return obj;
    }

    public static SigningKey NewKey() => SigningKey.Generate("test");

    /// <summary>Self-signed device keys for the user's device.</summary>
    public static JsonObject DeviceKeys(TestUser user, SigningKey deviceKey, string curve25519 = "curve25519PublicKeyOfTheDevice0000000000000")
    {
        var keys = new JsonObject
        {
            ["user_id"] = user.UserId,
            ["device_id"] = user.DeviceId,
            ["algorithms"] = new JsonArray("m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"),
            ["keys"] = new JsonObject { [$"curve25519:{user.DeviceId}"] = curve25519, [$"ed25519:{user.DeviceId}"] = deviceKey.VerifyKey.Base64 },
        };
        return Sign(keys, user.UserId, $"ed25519:{user.DeviceId}", deviceKey);
    }

    /// <summary>A cross-signing key of <paramref name="usage"/>, signed by <paramref name="signer"/> (the master key) when given.</summary>
    public static JsonObject CrossSigningKey(string userId, string usage, SigningKey key, SigningKey? signer = null)
    {
        var json = new JsonObject
        {
            ["user_id"] = userId,
            ["usage"] = new JsonArray(usage),
            ["keys"] = new JsonObject { [$"ed25519:{key.VerifyKey.Base64}"] = key.VerifyKey.Base64 },
        };
        return signer is null ? json : Sign(json, userId, $"ed25519:{signer.VerifyKey.Base64}", signer);
    }

    public static string KeyId(SigningKey key) => $"ed25519:{key.VerifyKey.Base64}";
}

/// <summary>A user's three cross-signing keys and the upload body for them.</summary>
internal sealed class CrossSigningKeys(string userId) : IDisposable
{
    public SigningKey Master { get; } = TestKeys.NewKey();
    public SigningKey SelfSigning { get; } = TestKeys.NewKey();
    public SigningKey UserSigning { get; } = TestKeys.NewKey();

    public JsonObject UploadBody() => new()
    {
        ["master_key"] = TestKeys.CrossSigningKey(userId, "master", Master),
        ["self_signing_key"] = TestKeys.CrossSigningKey(userId, "self_signing", SelfSigning, Master),
        ["user_signing_key"] = TestKeys.CrossSigningKey(userId, "user_signing", UserSigning, Master),
    };

    public void Dispose()
    {
        Master.Dispose();
        SelfSigning.Dispose();
        UserSigning.Dispose();
    }
}
