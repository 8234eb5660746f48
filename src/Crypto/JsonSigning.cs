using System.Text.Json.Nodes;

namespace Matrix.Crypto;

/// <summary>The outcome of checking an entity's signatures on a JSON object.</summary>
public enum SignatureStatus
{
    /// <summary>Every signature made with a key we know verified, and there was at least one.</summary>
    Valid,
    /// <summary>The object has no signatures from the entity (or signatures is not an object).</summary>
    NotSigned,
    /// <summary>None of the entity's signatures is made with a key we know (unknown algorithm or key ID).</summary>
    NoKnownKey,
    /// <summary>A signature is not valid unpadded base64.</summary>
    Malformed,
    /// <summary>A signature does not match the object.</summary>
    Invalid,
}

/// <summary>
/// Signing JSON (spec appendix "Signing JSON"): the signature covers the canonical JSON of the object
/// without its <c>signatures</c> and <c>unsigned</c> members, and is stored under
/// <c>signatures[entity][key ID]</c> next to any signatures already there.
/// </summary>
public static class JsonSigning
{
    public const string SignaturesKey = "signatures";
    public const string UnsignedKey = "unsigned";

    private static readonly string[] Unsigned = [SignaturesKey, UnsignedKey];

    /// <summary>Adds the entity's signature to the object in place.</summary>
    /// <exception cref="CanonicalJsonException">The object cannot be encoded as canonical JSON.</exception>
    public static void Sign(JsonObject obj, string entity, SigningKey key, CanonicalJsonMode mode = CanonicalJsonMode.Strict) =>
        AddSignature(obj, entity, key.KeyId.ToString(), ComputeSignature(obj, key, mode));

    /// <summary>The unpadded base64 signature of the object, without storing it.</summary>
    public static string ComputeSignature(JsonObject obj, SigningKey key, CanonicalJsonMode mode = CanonicalJsonMode.Strict) =>
        ComputeSignatureAndHash(obj, key, mode).Signature;

    /// <summary>
    /// The signature and the SHA-256 of the same canonical bytes (the object without signatures or unsigned data),
    /// encoded once: a Matrix event's reference hash covers exactly what its signature covers.
    /// </summary>
    public static (string Signature, byte[] Sha256) ComputeSignatureAndHash(JsonObject obj, SigningKey key, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        CanonicalJson.Encode(buffer, obj, Unsigned, mode);
        return (key.SignToBase64(buffer.WrittenSpan), Sha256Hash.Hash(buffer.WrittenSpan));
    }

    /// <summary>Stores a signature under signatures[entity][keyId], keeping the others.</summary>
    /// <exception cref="InvalidOperationException">signatures or signatures[entity] exists but is not an object.</exception>
    public static void AddSignature(JsonObject obj, string entity, string keyId, string signature)
    {
        var signatures = ChildObject(obj, SignaturesKey);
        ChildObject(signatures, entity)[keyId] = signature;
    }

    /// <summary>
    /// Checks the entity's signatures (spec "Checking for a Signature"). Signatures whose key
    /// <paramref name="lookup"/> does not know are skipped; every other one must verify, and at least one must exist.
    /// </summary>
    /// <param name="lookup">Finds the entity's public key for a key ID, or null if unknown (or expired).</param>
    public static SignatureStatus Verify(JsonObject obj, string entity, Func<SigningKeyId, VerifyKey?> lookup, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        if (obj[SignaturesKey] is not JsonObject signatures || signatures[entity] is not JsonObject entitySignatures || entitySignatures.Count == 0)
        {
            return SignatureStatus.NotSigned;
        }

        using var buffer = new PooledBufferWriter(0);
        var encoded = false;
        var verified = 0;
        foreach (var (keyIdText, value) in entitySignatures)
        {
            if (!SigningKeyId.TryParse(keyIdText, out var keyId) || !keyId.IsEd25519 || lookup(keyId) is not { } key) continue;
            if (value is not JsonValue v || !v.TryGetValue(out string? text) || !UnpaddedBase64.TryDecode(text, out var signature))
            {
                return SignatureStatus.Malformed;
            }

            if (!encoded)
            {
                CanonicalJson.Encode(buffer, obj, Unsigned, mode);
                encoded = true;
            }

            if (!key.Verify(buffer.WrittenSpan, signature)) return SignatureStatus.Invalid;
            verified++;
        }

        return verified > 0 ? SignatureStatus.Valid : SignatureStatus.NoKnownKey;
    }

    /// <summary>Checks one signature made with a known key.</summary>
    public static SignatureStatus Verify(JsonObject obj, string entity, SigningKeyId keyId, VerifyKey key, CanonicalJsonMode mode = CanonicalJsonMode.Strict) =>
        Verify(obj, entity, id => id == keyId ? key : null, mode);

    private static JsonObject ChildObject(JsonObject parent, string key)
    {
        switch (parent[key])
        {
            case JsonObject existing:
                return existing;
            case null:
                var created = new JsonObject();
                parent[key] = created;
                return created;
            default:
                throw new InvalidOperationException($"'{key}' exists but is not an object");
        }
    }
}
