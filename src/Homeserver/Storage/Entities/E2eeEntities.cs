namespace Matrix.Homeserver.Storage.Entities;

// End-to-end encryption: the server stores public keys, encrypted payloads and opaque backup data
// only; nothing here lets it decrypt anything (GUIDE §3).

/// <summary>A device's identity keys as uploaded (signed by the device), without the unsigned section.</summary>
public sealed class DeviceKeys
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string Json { get; set; }
}

/// <summary>An unclaimed one-time key; claiming deletes it.</summary>
public sealed class OneTimeKey
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string Algorithm { get; set; }
    public required string KeyId { get; set; }

    /// <summary>The key as JSON (a string, or a signed object).</summary>
    public required string Json { get; set; }
}

/// <summary>A device's fallback key for one algorithm: handed out when no one-time key is left, and then marked used.</summary>
public sealed class FallbackKey
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string Algorithm { get; set; }
    public required string KeyId { get; set; }
    public required string Json { get; set; }
    public bool Used { get; set; }
}

/// <summary>A user's current cross-signing key of one usage (master, self_signing, user_signing).</summary>
public sealed class CrossSigningKey
{
    public required string UserId { get; set; }
    public required string KeyType { get; set; }

    /// <summary>The ed25519 public key (unpadded base64): the key ID without its algorithm.</summary>
    public required string PublicKey { get; set; }
    public required string Json { get; set; }
}

/// <summary>
/// A signature uploaded through /keys/signatures/upload, merged into the signed key when it is served:
/// signer's key <see cref="SignerKeyId"/> over <see cref="TargetUserId"/>'s device or cross-signing key <see cref="TargetKeyId"/>.
/// </summary>
public sealed class CrossSigningSignature
{
    public required string SignerUserId { get; set; }
    public required string SignerKeyId { get; set; }
    public required string TargetUserId { get; set; }

    /// <summary>A device ID, or a cross-signing public key.</summary>
    public required string TargetKeyId { get; set; }
    public required string Signature { get; set; }
}

/// <summary>The stream position of a user's latest device-list change (device keys, cross-signing keys, signatures, deletions).</summary>
public sealed class DeviceListChange
{
    public required string UserId { get; set; }
    public long StreamPosition { get; set; }
}

/// <summary>
/// A key change only one user is told of (Synapse's user-signature stream): their own user-signing key, or their
/// signature over another user's master key, which nobody else sees in /keys/query.
/// </summary>
public sealed class PrivateDeviceListChange
{
    public required string ViewerUserId { get; set; }
    public required string UserId { get; set; }
    public long StreamPosition { get; set; }
}

/// <summary>A to-device message waiting for its recipient device's next sync.</summary>
public sealed class ToDeviceMessage
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public long StreamPosition { get; set; }

    /// <summary>The event as delivered: {"sender", "type", "content"}.</summary>
    public required string Json { get; set; }
}

/// <summary>A PUT /sendToDevice transaction already carried out (retries do nothing).</summary>
public sealed class ToDeviceTransaction
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string TxnId { get; set; }
    public long CreatedTs { get; set; }
}

/// <summary>A server-side key backup version; deleted versions keep their number so it is never reused.</summary>
public sealed class RoomKeyBackupVersion
{
    public required string UserId { get; set; }
    public long Version { get; set; }
    public required string Algorithm { get; set; }
    public required string AuthData { get; set; }

    /// <summary>Changes whenever the keys stored in the version change.</summary>
    public long Etag { get; set; }
    public bool Deleted { get; set; }
}

/// <summary>One backed-up Megolm session (its session_data is encrypted by the client).</summary>
public sealed class RoomKeyBackup
{
    public required string UserId { get; set; }
    public long Version { get; set; }
    public required string RoomId { get; set; }
    public required string SessionId { get; set; }
    public long FirstMessageIndex { get; set; }
    public long ForwardedCount { get; set; }
    public bool IsVerified { get; set; }
    public required string SessionData { get; set; }
}

/// <summary>A user's dehydrated device (MSC3814): a device with no session whose private keys the client stored encrypted in <see cref="DeviceData"/>.</summary>
public sealed class DehydratedDevice
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string DeviceData { get; set; }
}
