using Matrix.Crypto;

namespace Matrix.Federation.Tests;

/// <summary>The appendix "Cryptographic Test Vectors" key: server "domain", key ID "ed25519:1".</summary>
internal static class TestKeys
{
    public const string ServerName = "domain";

    public static SigningKey Appendix() => SigningKey.FromSeed(UnpaddedBase64.Decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"), "1");
}
