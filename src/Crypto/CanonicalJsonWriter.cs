using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Matrix.Crypto;

/// <summary>
/// Encodes JSON trees (<see cref="JsonNode"/> or <see cref="JsonElement"/>) as canonical JSON into a
/// pooled buffer: keys in code point order, no whitespace, raw UTF-8, minimal escapes, integers only.
/// </summary>
internal readonly struct CanonicalJsonWriter(PooledBufferWriter output, CanonicalJsonMode mode)
{
    // Far deeper than any parser here lets through; it only stops a hand-built tree from overflowing the stack.
    private const int MaxDepth = 512;

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\");

    public void WriteNode(JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                output.Write("null"u8);
                break;
            case JsonObject obj:
                WriteObject(obj, depth + 1, []);
                break;
            case JsonArray array:
                WriteArray(array, depth + 1);
                break;
            case JsonValue value:
                WriteValue(value);
                break;
        }
    }

    /// <summary>Writes an object, leaving out the keys in <paramref name="excluded"/> (signing skips signatures and unsigned).</summary>
    public void WriteObject(JsonObject obj, int depth, ReadOnlySpan<string> excluded)
    {
        CheckDepth(depth);
        var members = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(obj.Count);
        var count = 0;
        for (var i = 0; i < obj.Count; i++)
        {
            var member = obj.GetAt(i);
            if (!excluded.Contains(member.Key)) members[count++] = member;
        }

        WriteMembers(members, count, depth);
    }

    public void WriteElement(JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteElementObject(element, depth + 1);
                break;
            case JsonValueKind.Array:
                CheckDepth(depth + 1);
                output.WriteByte((byte)'[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first) output.WriteByte((byte)',');
                    first = false;
                    WriteElement(item, depth + 1);
                }

                output.WriteByte((byte)']');
                break;
            case JsonValueKind.String:
                WriteString(ElementString(element));
                break;
            case JsonValueKind.Number:
                CanonicalNumber.WriteLiteral(JsonMarshal.GetRawUtf8Value(element), mode, output);
                break;
            default:
                WriteKeyword(element.ValueKind);
                break;
        }
    }

    public void WriteString(string value)
    {
        output.WriteByte((byte)'"');
        var rest = value.AsSpan();
        while (true)
        {
            var i = rest.IndexOfAny(NeedsEscape);
            Transcode(i < 0 ? rest : rest[..i]);
            if (i < 0) break;
            WriteEscape(rest[i]);
            rest = rest[(i + 1)..];
        }

        output.WriteByte((byte)'"');
    }

    private void WriteArray(JsonArray array, int depth)
    {
        CheckDepth(depth);
        output.WriteByte((byte)'[');
        for (var i = 0; i < array.Count; i++)
        {
            if (i > 0) output.WriteByte((byte)',');
            WriteNode(array[i], depth);
        }

        output.WriteByte((byte)']');
    }

    private void WriteValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(value.TryGetValue(out string? s) ? s : ReadBack(value).GetString()!);
                break;
            case JsonValueKind.Number:
                WriteNumber(value);
                break;
            default:
                WriteKeyword(value.GetValueKind());
                break;
        }
    }

    private void WriteKeyword(JsonValueKind kind) => output.Write(kind switch
    {
        JsonValueKind.True => "true"u8,
        JsonValueKind.False => "false"u8,
        JsonValueKind.Null => "null"u8,
        _ => throw new CanonicalJsonException(CanonicalJsonError.UnsupportedValue, $"JSON value of kind {kind}"),
    });

    private void WriteNumber(JsonValue value)
    {
        if (value.TryGetValue(out long l)) CanonicalNumber.WriteInteger(l, mode, output);
        else if (value.TryGetValue(out int i)) CanonicalNumber.WriteInteger(i, mode, output);
        else if (value.TryGetValue(out JsonElement e)) CanonicalNumber.WriteLiteral(JsonMarshal.GetRawUtf8Value(e), mode, output);
        else CanonicalNumber.WriteLiteral(JsonMarshal.GetRawUtf8Value(ReadBack(value)), mode, output);
    }

    // Any other CLR value (ulong, double, Guid, ...): let System.Text.Json write it, then read it back.
    private static JsonElement ReadBack(JsonValue value)
    {
        if (value.TryGetValue(out JsonElement element)) return element;
        try
        {
            return JsonElement.Parse(value.ToJsonString());
        }
        catch (ArgumentException ex)
        {
            throw new CanonicalJsonException(CanonicalJsonError.UnsupportedValue, "value has no JSON representation (NaN or infinity?)", ex);
        }
    }

    private void WriteElementObject(JsonElement element, int depth)
    {
        CheckDepth(depth);
        var members = ArrayPool<KeyValuePair<string, JsonElement>>.Shared.Rent(element.GetPropertyCount());
        var count = 0;
        foreach (var property in element.EnumerateObject()) members[count++] = new(property.Name, property.Value);
        WriteMembers(members, count, depth);
    }

    /// <summary>Sorts the members by key, writes them, and gives the rented array back.</summary>
    private void WriteMembers<T>(KeyValuePair<string, T>[] members, int count, int depth)
    {
        try
        {
            var sorted = members.AsSpan(0, count);
            sorted.Sort(default(KeyOrder<T>));
            output.WriteByte((byte)'{');
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i > 0)
                {
                    // Only JsonDocument can hold a key twice; canonical JSON cannot express it.
                    if (sorted[i].Key == sorted[i - 1].Key) throw new CanonicalJsonException(CanonicalJsonError.DuplicateKey, $"duplicate key \"{sorted[i].Key}\"");
                    output.WriteByte((byte)',');
                }

                WriteString(sorted[i].Key);
                output.WriteByte((byte)':');
                if (sorted[i].Value is JsonElement element) WriteElement(element, depth);
                else WriteNode((JsonNode?)(object?)sorted[i].Value, depth);
            }

            output.WriteByte((byte)'}');
        }
        finally
        {
            members.AsSpan(0, count).Clear();
            ArrayPool<KeyValuePair<string, T>>.Shared.Return(members);
        }
    }

    private static string ElementString(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, "string holds an unpaired surrogate", ex);
        }
    }

    private void Transcode(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        if (Utf8.FromUtf16(chars, span, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, "string holds an unpaired surrogate");
        }

        output.Advance(written);
    }

    private void WriteEscape(char c)
    {
        ReadOnlySpan<byte> hex = "0123456789abcdef"u8;
        output.WriteByte((byte)'\\');
        switch (c)
        {
            case '"': output.WriteByte((byte)'"'); break;
            case '\\': output.WriteByte((byte)'\\'); break;
            case '\b': output.WriteByte((byte)'b'); break;
            case '\f': output.WriteByte((byte)'f'); break;
            case '\n': output.WriteByte((byte)'n'); break;
            case '\r': output.WriteByte((byte)'r'); break;
            case '\t': output.WriteByte((byte)'t'); break;
            default:
                output.Write("u00"u8);
                output.WriteByte(hex[c >> 4]);
                output.WriteByte(hex[c & 0xF]);
                break;
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth) throw new CanonicalJsonException(CanonicalJsonError.TooDeep, $"JSON nests deeper than {MaxDepth} levels");
    }

    private readonly struct KeyOrder<T> : IComparer<KeyValuePair<string, T>>
    {
        public int Compare(KeyValuePair<string, T> x, KeyValuePair<string, T> y) => CodePointComparer.Compare(x.Key, y.Key);
    }
}
