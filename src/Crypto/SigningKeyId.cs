using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Matrix.Crypto;

/// <summary>A signing key identifier such as <c>ed25519:a_Abc1</c>: an algorithm and a key version.</summary>
public readonly record struct SigningKeyId(string Algorithm, string Version)
{
    public const string Ed25519 = "ed25519";

    private static readonly SearchValues<char> VersionChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    public bool IsEd25519 => Algorithm == Ed25519;

    public override string ToString() => $"{Algorithm}:{Version}";

    /// <summary>Key versions are made of [a-zA-Z0-9_] (spec: server keys).</summary>
    public static bool IsValidVersion(ReadOnlySpan<char> version) => !version.IsEmpty && !version.ContainsAnyExcept(VersionChars);

    /// <summary>Splits <c>algorithm:version</c>; the algorithm may be unknown, the version must be well-formed.</summary>
    public static bool TryParse([NotNullWhen(true)] string? keyId, out SigningKeyId id)
    {
        id = default;
        var colon = keyId?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0) return false;
        var version = keyId![(colon + 1)..];
        if (!IsValidVersion(version)) return false;
        id = new SigningKeyId(keyId[..colon], version);
        return true;
    }
}
