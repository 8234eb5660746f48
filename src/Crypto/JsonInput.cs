using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Matrix.Crypto;

/// <summary>
/// Parses JSON from outside (a request's or a peer's answer's body) into System.Text.Json nodes, refusing at once
/// what the nodes would otherwise only fail on when a value is first read, deep inside a handler: invalid UTF-8, an
/// escaped unpaired surrogate ("\ud800"), an object with the same key twice, nesting deeper than the limit. Numbers are
/// left as written (the canonical JSON checks of an event's content come when it is built); the nodes stay lazily
/// materialized, unlike <see cref="CanonicalJsonParser"/>'s.
/// </summary>
public static class JsonInput
{
    /// <exception cref="CanonicalJsonException">The text is not acceptable JSON; <see cref="CanonicalJsonException.Error"/> says why.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        if (!Utf8.IsValid(utf8)) throw new CanonicalJsonException(CanonicalJsonError.InvalidUtf8, "input is not valid UTF-8");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidJson, $"invalid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // The duplicate-key check unescapes every key, and a key holding a lone surrogate fails there.
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, "a key holds an unpaired surrogate", e);
        }

        // Raw UTF-8 is valid by now; only an escape can still name a lone surrogate.
        if (utf8.IndexOf("\\u"u8) >= 0) CheckEscapedStrings(utf8);
        return node;
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, int)"/>
    public static JsonNode? Parse(string json, int maxDepth)
    {
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException e)
        {
            throw new CanonicalJsonException(CanonicalJsonError.InvalidString, "text holds an unpaired surrogate", e);
        }

        return Parse(utf8, maxDepth);
    }

    private static void CheckEscapedStrings(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 1000 });
        Span<char> scratch = stackalloc char[256];
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            var length = reader.ValueSpan.Length;
            var buffer = length <= scratch.Length ? scratch : new char[length];
            try
            {
                reader.CopyString(buffer);
            }
            catch (InvalidOperationException e)
            {
                throw new CanonicalJsonException(CanonicalJsonError.InvalidString, $"string at byte {reader.TokenStartIndex} holds an unpaired surrogate", e);
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
