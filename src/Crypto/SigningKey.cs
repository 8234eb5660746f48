using NSec.Cryptography;

namespace Matrix.Crypto;

/// <summary>An Ed25519 signing key with its version (the key ID is <c>ed25519:&lt;version&gt;</c>).</summary>
public sealed class SigningKey : IDisposable
{
    public const int SeedLength = 32;

    private readonly Key _key;

    private SigningKey(Key key, string version)
    {
        _key = key;
        Version = version;
        KeyId = new SigningKeyId(SigningKeyId.Ed25519, version);
        VerifyKey = VerifyKey.From(key.PublicKey);
    }

    public string Version { get; }

    public SigningKeyId KeyId { get; }

    public VerifyKey VerifyKey { get; }

    /// <summary>A fresh random key.</summary>
    public static SigningKey Generate(string version) =>
        new(Key.Create(SignatureAlgorithm.Ed25519, Exportable()), CheckVersion(version));

    /// <exception cref="ArgumentException">The seed is not 32 bytes or the version is not [a-zA-Z0-9_]+.</exception>
    public static SigningKey FromSeed(ReadOnlySpan<byte> seed, string version)
    {
        if (seed.Length != SeedLength) throw new ArgumentException($"an Ed25519 seed is {SeedLength} bytes, got {seed.Length}", nameof(seed));
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable()), CheckVersion(version));
    }

    /// <summary>The 64-byte Ed25519 signature of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    /// <summary>The signature in unpadded base64, as it appears in a signatures object.</summary>
    public string SignToBase64(ReadOnlySpan<byte> data)
    {
        Span<byte> signature = stackalloc byte[VerifyKey.SignatureLength];
        SignatureAlgorithm.Ed25519.Sign(_key, data, signature);
        return UnpaddedBase64.Encode(signature);
    }

    /// <summary>The 32-byte seed; only the key file writer needs it.</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    public void Dispose() => _key.Dispose();

    public override string ToString() => KeyId.ToString();

    // The seed must stay exportable so the key file can be written.
    private static KeyCreationParameters Exportable() => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    private static string CheckVersion(string version) =>
        SigningKeyId.IsValidVersion(version) ? version : throw new ArgumentException("a key version is made of [a-zA-Z0-9_]+", nameof(version));
}
