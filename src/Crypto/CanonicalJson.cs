using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Crypto;

/// <summary>
/// Canonical JSON encoding (spec appendix "Canonical JSON"): the bytes that are hashed and signed.
/// </summary>
public static class CanonicalJson
{
    /// <exception cref="CanonicalJsonException">The tree holds a float, an out-of-range integer (strict mode) or an unpaired surrogate.</exception>
    public static byte[] Serialize(JsonNode? node, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        new CanonicalJsonWriter(buffer, mode).WriteNode(node, 0);
        return buffer.ToArray();
    }

    /// <inheritdoc cref="Serialize(JsonNode?, CanonicalJsonMode)"/>
    public static byte[] Serialize(JsonElement element, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        new CanonicalJsonWriter(buffer, mode).WriteElement(element, 0);
        return buffer.ToArray();
    }

    /// <summary>Encodes an object without some of its top-level keys, without copying it.</summary>
    public static byte[] SerializeWithout(JsonObject obj, ReadOnlySpan<string> excludedKeys, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        Encode(buffer, obj, excludedKeys, mode);
        return buffer.ToArray();
    }

    /// <summary>The canonical encoding as a string (for tests, logs of non-secret data, and HTTP bodies).</summary>
    public static string SerializeToString(JsonNode? node, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        new CanonicalJsonWriter(buffer, mode).WriteNode(node, 0);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Write(IBufferWriter<byte> output, JsonNode? node, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        new CanonicalJsonWriter(buffer, mode).WriteNode(node, 0);
        output.Write(buffer.WrittenSpan);
    }

    /// <summary>The length in bytes of the canonical encoding (for the 64 KiB PDU limit).</summary>
    public static int GetByteCount(JsonObject obj, ReadOnlySpan<string> excludedKeys, CanonicalJsonMode mode = CanonicalJsonMode.Strict)
    {
        using var buffer = new PooledBufferWriter();
        Encode(buffer, obj, excludedKeys, mode);
        return buffer.WrittenCount;
    }

    internal static void Encode(PooledBufferWriter buffer, JsonObject obj, ReadOnlySpan<string> excludedKeys, CanonicalJsonMode mode) =>
        new CanonicalJsonWriter(buffer, mode).WriteObject(obj, 1, excludedKeys);
}
