namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A remote server's signing key as last learned, with the keys object that told us (kept to answer notary
/// queries). One row per (server, key ID).
/// </summary>
public sealed class RemoteServerKey
{
    public required string ServerName { get; set; }
    public required string KeyId { get; set; }

    /// <summary>Unpadded base64 Ed25519 public key.</summary>
    public required string PublicKey { get; set; }

    /// <summary>Until when the key may be used: valid_until_ts capped at fetch + 7 days, or an old key's expired_ts.</summary>
    public long ValidUntilTs { get; set; }

    public bool IsOld { get; set; }
    public long FetchedTs { get; set; }

    /// <summary>The origin itself, or the notary that relayed the answer.</summary>
    public required string FromServer { get; set; }

    /// <summary>The keys object as the origin signed it (other signatures removed).</summary>
    public required string ResponseJson { get; set; }

    /// <summary>valid_until_ts of that object as published (uncapped).</summary>
    public long ResponseValidUntilTs { get; set; }
}
