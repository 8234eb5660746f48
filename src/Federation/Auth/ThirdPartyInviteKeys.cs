using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Federation.Auth;

/// <summary>One public key of an m.room.third_party_invite and the URL that says whether it was revoked (none: valid for ever).</summary>
public sealed record ThirdPartyInviteKey(string PublicKey, string? KeyValidityUrl);

/// <summary>
/// The identity server's keys an m.room.third_party_invite names (its top-level <c>public_key</c>, checked at
/// <c>key_validity_url</c>, and each of <c>public_keys</c>), and which of them signed a <c>signed</c> object.
/// </summary>
public static class ThirdPartyInviteKeys
{
    public static IReadOnlyList<ThirdPartyInviteKey> Of(JsonObject content)
    {
        var keys = new List<ThirdPartyInviteKey>();
        if (AuthEventSelection.StringAt(content, "public_key") is { } single)
        {
            keys.Add(new ThirdPartyInviteKey(single, AuthEventSelection.StringAt(content, "key_validity_url")));
        }

        if (content["public_keys"] is JsonArray list)
        {
            foreach (var entry in list)
            {
                if (entry is JsonObject o && AuthEventSelection.StringAt(o, "public_key") is { } key)
                {
                    keys.Add(new ThirdPartyInviteKey(key, AuthEventSelection.StringAt(o, "key_validity_url")));
                }
            }
        }

        return keys;
    }

    /// <summary>The first of <paramref name="keys"/> with which any signature in <paramref name="signed"/> verifies, or null.</summary>
    public static ThirdPartyInviteKey? SigningKeyOf(JsonObject signed, IEnumerable<ThirdPartyInviteKey> keys) =>
        keys.FirstOrDefault(k => Verifies(signed, k.PublicKey));

    /// <summary>Whether any signature in <paramref name="signed"/> (whatever entity and key ID it names) verifies with the key.</summary>
    public static bool Verifies(JsonObject signed, string publicKey)
    {
        if (signed["signatures"] is not JsonObject byEntity) return false;
        if (!UnpaddedBase64.TryDecode(publicKey, out var bytes) && !UnpaddedBase64.TryDecodeUrlSafe(publicKey, out bytes)) return false;
        if (bytes.Length != VerifyKey.Length) return false;
        var verifyKey = VerifyKey.FromBytes(bytes);
        foreach (var (entity, keyIds) in byEntity)
        {
            if (keyIds is not JsonObject keyMap) continue;
            foreach (var (keyIdText, _) in keyMap)
            {
                if (SigningKeyId.TryParse(keyIdText, out var keyId) && JsonSigning.Verify(signed, entity, keyId, verifyKey) == SignatureStatus.Valid) return true;
            }
        }

        return false;
    }
}
