using NSec.Cryptography;

namespace Matrix.Crypto;

/// <summary>An Ed25519 public key that checks signatures.</summary>
public sealed class VerifyKey : IEquatable<VerifyKey>
{
    public const int Length = 32;
    public const int SignatureLength = 64;

    private readonly PublicKey _key;
    private readonly byte[] _bytes;

    private VerifyKey(PublicKey key)
    {
        _key = key;
        _bytes = key.Export(KeyBlobFormat.RawPublicKey);
        Base64 = UnpaddedBase64.Encode(_bytes);
    }

    /// <summary>The 32 raw public key bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The key in unpadded base64, as published under verify_keys.</summary>
    public string Base64 { get; }

    /// <exception cref="FormatException">Not 32 bytes, or not a valid Ed25519 point encoding.</exception>
    public static VerifyKey FromBytes(ReadOnlySpan<byte> publicKey) =>
        TryFromBytes(publicKey, out var key) ? key : throw new FormatException("not a 32-byte Ed25519 public key");

    public static bool TryFromBytes(ReadOnlySpan<byte> publicKey, out VerifyKey key)
    {
        key = null!;
        if (publicKey.Length != Length || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var imported)) return false;
        key = new VerifyKey(imported!);
        return true;
    }

    /// <exception cref="FormatException">Not unpadded base64 of a 32-byte Ed25519 public key.</exception>
    public static VerifyKey FromBase64(string publicKey) =>
        TryFromBase64(publicKey, out var key) ? key : throw new FormatException("not an unpadded base64 Ed25519 public key");

    public static bool TryFromBase64(string? publicKey, out VerifyKey key)
    {
        key = null!;
        return publicKey is not null && UnpaddedBase64.TryDecode(publicKey, out var bytes) && TryFromBytes(bytes, out key);
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureLength && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);

    public bool Equals(VerifyKey? other) => other is not null && Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => Equals(obj as VerifyKey);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes);

    public override string ToString() => Base64;

    internal static VerifyKey From(PublicKey key) => new(key);
}
