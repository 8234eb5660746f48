using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

/// <summary>The appendix "Cryptographic Test Vectors" signing key: server "domain", key ID "ed25519:1".</summary>
internal static class TestKeys
{
    public const string SeedBase64 = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    public const string ServerName = "domain";

    public static SigningKey Appendix() => SigningKey.FromSeed(UnpaddedBase64.Decode(SeedBase64), "1");
}
