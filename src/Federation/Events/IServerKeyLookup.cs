using Matrix.Crypto;

namespace Matrix.Federation.Events;

/// <summary>A server's public key with the time until which it may be used (ms since the epoch).</summary>
/// <param name="ValidUntilTs">
/// For current keys the published valid_until_ts (the host caps it at 7 days ahead, spec v5 rules);
/// for old_verify_keys their expired_ts.
/// </param>
public sealed record ServerKey(VerifyKey Key, long ValidUntilTs);

/// <summary>Where signature checks find remote servers' keys; the host plugs in its key cache and fetcher.</summary>
public interface IServerKeyLookup
{
    /// <summary>The key, or null if the server has no such key (or it cannot be fetched).</summary>
    ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, CancellationToken cancellationToken = default);
}
