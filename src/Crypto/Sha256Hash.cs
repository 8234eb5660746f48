using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Matrix.Crypto;

/// <summary>SHA-256 over bytes or over the canonical JSON of an object.</summary>
public static class Sha256Hash
{
    public const int Length = 32;

    public static byte[] Hash(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    public static byte[] HashCanonical(JsonNode? node, CanonicalJsonMode mode = CanonicalJsonMode.Strict) =>
        SHA256.HashData(CanonicalJson.Serialize(node, mode));

    /// <summary>The hash of an object's canonical JSON without some top-level keys (e.g. the content hash skips hashes, signatures and unsigned).</summary>
    public static byte[] HashCanonical(JsonObject obj, ReadOnlySpan<string> excludedKeys, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        CanonicalJson.Encode(buffer, obj, excludedKeys, mode);
        return SHA256.HashData(buffer.WrittenSpan);
    }
}
