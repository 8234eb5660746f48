using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.ServerKeys;

namespace Matrix.Homeserver.FederationApi.Keys;

/// <summary>
/// Our own keys as published at /_matrix/key/v2/server: the signing key, the key file's older keys as
/// old_verify_keys, valid for Homeserver:Federation:KeyValidityHours. The signed object is reused until half
/// its validity has passed, so what we publish always has at least half of it left.
/// </summary>
public sealed class LocalServerKeys(ServerSigningKey signingKey, HomeserverOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly long _oldKeysExpiredTs = options.Federation.OldKeysExpiredTs ?? signingKey.FileModified.ToUnixTimeMilliseconds();
    private readonly long _validityMs = (long)TimeSpan.FromHours(options.Federation.KeyValidityHours).TotalMilliseconds;
    private (JsonObject Json, long RenewAt)? _published;

    public string ServerName => signingKey.ServerName;

    /// <summary>A fresh copy of the signed keys object.</summary>
    public JsonObject GetKeysObject()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (_published is not { } published || now >= published.RenewAt)
            {
                var old = signingKey.OldKeys.Select(k => (k.VerifyKey, k.KeyId, _oldKeysExpiredTs));
                published = (ServerKeysResponse.Build(ServerName, signingKey.Key, old, now + _validityMs), now + (_validityMs / 2));
                _published = published;
            }

            return (JsonObject)published.Json.DeepClone();
        }
    }

    /// <summary>One of our keys for signature checks: the current one never expires for us; old ones at their expired_ts.</summary>
    public ServerKey? Find(SigningKeyId keyId)
    {
        if (keyId == signingKey.Key.KeyId) return new ServerKey(signingKey.Key.VerifyKey, long.MaxValue);
        var old = signingKey.OldKeys.FirstOrDefault(k => k.KeyId == keyId);
        return old is null ? null : new ServerKey(old.VerifyKey, _oldKeysExpiredTs);
    }

    /// <summary>Adds our signature to an object (notary answers).</summary>
    public void Sign(JsonObject json) => JsonSigning.Sign(json, ServerName, signingKey.Key, CanonicalJsonMode.Lenient);
}
