using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Homeserver.Keys;

/// <summary>Signed key objects (device keys, cross-signing keys): their signatures and identity.</summary>
public static class KeyJson
{
    private static readonly string[] Unsigned = [JsonSigning.SignaturesKey, JsonSigning.UnsignedKey];

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>
    /// Whether signatures[<paramref name="userId"/>][<paramref name="keyId"/>] is a valid Ed25519 signature
    /// of the object by <paramref name="publicKey"/> (unpadded base64). Key IDs of cross-signing keys are
    /// public keys themselves, so they are looked up as plain strings.
    /// </summary>
    public static bool HasValidSignature(JsonObject obj, string userId, string keyId, string publicKey)
    {
        if (obj[JsonSigning.SignaturesKey]?[userId]?[keyId] is not JsonValue value || !value.TryGetValue(out string? text)) return false;
        if (!UnpaddedBase64.TryDecode(text, out var signature) || !VerifyKey.TryFromBase64(publicKey, out var key)) return false;
        try
        {
            return key.Verify(CanonicalJson.SerializeWithout(obj, Unsigned, CanonicalJsonMode.Lenient), signature);
        }
        catch (CanonicalJsonException)
        {
            return false;
        }
    }

    /// <summary>The object without signatures and unsigned, canonically encoded: equal keys compare equal.</summary>
    public static string SignedPart(JsonObject obj) =>
        System.Text.Encoding.UTF8.GetString(CanonicalJson.SerializeWithout(obj, Unsigned, CanonicalJsonMode.Lenient));

    /// <summary>keys["ed25519:&lt;id&gt;"] when it is a string.</summary>
    public static string? Ed25519Key(JsonObject obj, string id) => StringValue(obj["keys"]?[$"ed25519:{id}"]);

    public static string? StringValue(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Adds signatures[signer][keyId] = signature, keeping the others.</summary>
    public static void AddSignature(JsonObject obj, string signer, string keyId, string signature) =>
        JsonSigning.AddSignature(obj, signer, keyId, signature);
}
