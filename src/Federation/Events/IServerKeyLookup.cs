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

    /// <summary>
    /// The key, asking for one valid until at least <paramref name="minimumValidUntilTs"/>: a cache refetches a key
    /// known only with an earlier validity (the server may have extended it). The best key known is returned
    /// either way; callers still check <see cref="ServerKey.ValidUntilTs"/>. Fixed key sets need not override this.
    /// </summary>
    ValueTask<ServerKey?> FindKeyAsync(string serverName, SigningKeyId keyId, long minimumValidUntilTs, CancellationToken cancellationToken = default) =>
        FindKeyAsync(serverName, keyId, cancellationToken);
}
