using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Matrix.Crypto;

/// <summary>Settings for <see cref="CanonicalJsonParser"/>.</summary>
public sealed record CanonicalJsonParserOptions
{
    public static readonly CanonicalJsonParserOptions Strict = new();
    public static readonly CanonicalJsonParserOptions Lenient = new() { Mode = CanonicalJsonMode.Lenient };

    /// <summary>Strict refuses fractions, exponents and integers outside [-(2^53)+1, 2^53-1]; lenient keeps them.</summary>
    public CanonicalJsonMode Mode { get; init; } = CanonicalJsonMode.Strict;

    /// <summary>The deepest nesting of objects and arrays accepted (a top-level object is depth 1).</summary>
    public int MaxDepth
    {
        get;
        init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(value), "depth limit must be in 1..1000");
    } = 64;
}

/// <summary>
/// Parses JSON the way federation needs it: invalid UTF-8, duplicate keys, excessive nesting and
/// (in strict mode, room versions 6+) floats and out-of-range integers are each refused with a
/// <see cref="CanonicalJsonException"/> naming the reason.
/// </summary>
public static class CanonicalJsonParser
{
    /// <exception cref="CanonicalJsonException">The input is not acceptable; <see cref="CanonicalJsonException.Error"/> says why.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, CanonicalJsonParserOptions? options = null)
    {
        options ??= CanonicalJsonParserOptions.Strict;
        if (!Utf8.IsValid(utf8)) throw new CanonicalJsonException(CanonicalJsonError.InvalidUtf8, "input is not valid UTF-8");

        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = options.MaxDepth + 1 });
        try
        {
            Next(ref reader);
            var root = ReadValue(ref reader, options, 0);
            if (reader.Read()) throw new CanonicalJsonException(CanonicalJsonError.InvalidJson, $"unexpected data after the JSON value at byte {reader.TokenStartIndex}");
            return root;
        }
        catch (JsonException ex)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidJson, $"invalid JSON: {ex.Message}", ex);
        }
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, CanonicalJsonParserOptions?)"/>
    public static JsonNode? Parse(string json, CanonicalJsonParserOptions? options = null) => Parse(ToUtf8(json), options);

    /// <summary>Parses a document whose top level must be an object.</summary>
    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, CanonicalJsonParserOptions?)"/>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, CanonicalJsonParserOptions? options = null) =>
        Parse(utf8, options) as JsonObject
        ?? throw new CanonicalJsonException(CanonicalJsonError.UnexpectedType, "the top-level JSON value must be an object");

    /// <inheritdoc cref="ParseObject(ReadOnlySpan{byte}, CanonicalJsonParserOptions?)"/>
    public static JsonObject ParseObject(string json, CanonicalJsonParserOptions? options = null) => ParseObject(ToUtf8(json), options);

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, CanonicalJsonParserOptions options, int depth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, options, EnterContainer(ref reader, options, depth));
            case JsonTokenType.StartArray:
                var inner = EnterContainer(ref reader, options, depth);
                var array = new JsonArray();
                while (Next(ref reader) != JsonTokenType.EndArray) array.Add(ReadValue(ref reader, options, inner));
                return array;
            case JsonTokenType.String:
                return JsonValue.Create(ReadString(ref reader));
            case JsonTokenType.Number:
                return ReadNumber(ref reader, options.Mode);
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new CanonicalJsonException(CanonicalJsonError.InvalidJson, $"unexpected {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }

    private static JsonObject ReadObject(ref Utf8JsonReader reader, CanonicalJsonParserOptions options, int depth)
    {
        var obj = new JsonObject();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var offset = reader.TokenStartIndex;
            var name = ReadString(ref reader);
            Next(ref reader);
            if (!obj.TryAdd(name, ReadValue(ref reader, options, depth)))
            {
                throw new CanonicalJsonException(CanonicalJsonError.DuplicateKey, $"duplicate key \"{name}\" at byte {offset}");
            }
        }

        return obj;
    }

    private static int EnterContainer(ref Utf8JsonReader reader, CanonicalJsonParserOptions options, int depth)
    {
        if (depth + 1 > options.MaxDepth)
        {
            throw new CanonicalJsonException(CanonicalJsonError.TooDeep, $"JSON nests deeper than {options.MaxDepth} levels at byte {reader.TokenStartIndex}");
        }

        return depth + 1;
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            // The bytes were checked to be UTF-8, so this is an escaped unpaired surrogate such as "\ud800".
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, $"string at byte {reader.TokenStartIndex} holds an unpaired surrogate", ex);
        }
    }

    private static JsonValue ReadNumber(ref Utf8JsonReader reader, CanonicalJsonMode mode)
    {
        var text = reader.ValueSpan;
        var isInteger = text.IndexOfAny(".eE"u8) < 0;
        if (isInteger && Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length
            && (mode == CanonicalJsonMode.Lenient || CanonicalNumber.IsSafe(value)))
        {
            return JsonValue.Create(value);
        }

        if (mode == CanonicalJsonMode.Strict)
        {
            throw isInteger
                ? new CanonicalJsonException(CanonicalJsonError.IntegerOutOfRange, $"integer at byte {reader.TokenStartIndex} lies outside [-(2^53)+1, 2^53-1]")
                : new CanonicalJsonException(CanonicalJsonError.NotAnInteger, $"number at byte {reader.TokenStartIndex} has a fraction or exponent");
        }

        // Lenient: keep the literal exactly as written (a huge integer, or a float the encoder will refuse).
        return JsonValue.Create(JsonElement.Parse(text))!;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new CanonicalJsonException(CanonicalJsonError.InvalidJson, "unexpected end of JSON");
        return reader.TokenType;
    }

    private static byte[] ToUtf8(string json)
    {
        try
        {
            return StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException ex)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, "text holds an unpaired surrogate", ex);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
