using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Keys.CrossSigning;

/// <summary>A cross-signing key checked for shape: its owner, usage, and single ed25519 public key.</summary>
public sealed record SigningKeyShape(string Usage, string PublicKey, JsonObject Json)
{
    public string KeyId => $"ed25519:{PublicKey}";

    /// <summary>
    /// Checks a key of the spec's CrossSigningKey shape: user_id is the owner, usage holds
    /// <paramref name="usage"/>, keys holds exactly one "ed25519:&lt;public key&gt;" whose value is that key.
    /// </summary>
    public static SigningKeyShape Parse(JsonObject key, string usage, string userId, string field)
    {
        if (KeyJson.StringValue(key["user_id"]) != userId) throw MatrixException.InvalidParam($"{field}.user_id must be {userId}");
        if (key["usage"] is not JsonArray usages || !usages.Any(u => KeyJson.StringValue(u) == usage))
        {
            throw MatrixException.InvalidParam($"{field}.usage must include {usage}");
        }

        if (key["keys"] is not JsonObject { Count: 1 } keys) throw MatrixException.InvalidParam($"{field}.keys must hold exactly one key");
        var (keyId, value) = keys.First();
        var publicKey = KeyJson.StringValue(value);
        if (!keyId.StartsWith("ed25519:", StringComparison.Ordinal) || publicKey is null || keyId != $"ed25519:{publicKey}" || !VerifyKey.TryFromBase64(publicKey, out _))
        {
            throw MatrixException.InvalidParam($"{field}.keys must be {{\"ed25519:<public key>\": \"<public key>\"}}");
        }

        var stored = (JsonObject)key.DeepClone();
        stored.Remove("unsigned");
        return new SigningKeyShape(usage, publicKey, stored);
    }

    public bool IsSignedBy(string userId, SigningKeyShape signer) => KeyJson.HasValidSignature(Json, userId, signer.KeyId, signer.PublicKey);
}
