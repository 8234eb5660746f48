using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class CanonicalJsonTests
{
    // Every example of the appendix "Canonical JSON", input and expected output.
    public static TheoryData<string, string> AppendixExamples => new()
    {
        { "{}", "{}" },
        { "{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", "{\"one\":1,\"two\":\"Two\"}" },
        { "{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", "{\"a\":\"1\",\"b\":\"2\"}" },
        { "{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
        {
            """
            {
                "auth": {
                    "success": true,
                    "mxid": "@john.doe:example.com",
                    "profile": {
                        "display_name": "John Doe",
                        "three_pids": [
                            { "medium": "email", "address": "john.doe@example.org" },
                            { "medium": "msisdn", "address": "123456789" }
                        ]
                    }
                }
            }
            """,
            "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}"
        },
        { "{\n    \"a\": \"日本語\"\n}", "{\"a\":\"日本語\"}" },
        { "{\n    \"本\": 2,\n    \"日\": 1\n}", "{\"日\":1,\"本\":2}" },
        { "{\n    \"a\": \"\\u65E5\"\n}", "{\"a\":\"日\"}" },
        { "{\n    \"a\": null\n}", "{\"a\":null}" },
        { "{\n    \"a\": -0,\n    \"b\": 1e10\n}", "{\"a\":0,\"b\":10000000000}" },
    };

    [Theory]
    [MemberData(nameof(AppendixExamples))]
    public void Appendix_examples_from_JsonNode(string input, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Serialize(JsonNode.Parse(input))));

    [Theory]
    [MemberData(nameof(AppendixExamples))]
    public void Appendix_examples_from_JsonElement(string input, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Serialize(JsonElement.Parse(input))));

    [Fact]
    public void Non_ascii_is_raw_utf8_not_escaped()
    {
        var bytes = CanonicalJson.Serialize(new JsonObject { ["k"] = "é😀" });
        Assert.Equal([.. "{\"k\":\""u8, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, .. "\"}"u8], bytes);
    }

    [Theory]
    [InlineData("\"", "\\\"")]
    [InlineData("\\", "\\\\")]
    [InlineData("\b", "\\b")]
    [InlineData("\f", "\\f")]
    [InlineData("\n", "\\n")]
    [InlineData("\r", "\\r")]
    [InlineData("\t", "\\t")]
    [InlineData("\u0000", "\\u0000")]
    [InlineData("\u001f", "\\u001f")]
    [InlineData("\u000b", "\\u000b")]
    [InlineData("/", "/")]
    [InlineData("\u007f", "\u007f")]
    [InlineData("<>&'", "<>&'")]
    [InlineData("\u2028", "\u2028")]
    public void Escapes_only_quote_backslash_and_controls(string raw, string escaped) =>
        Assert.Equal($"\"{escaped}\"", CanonicalJson.SerializeToString(JsonValue.Create(raw)));

    [Fact]
    public void Keys_sort_by_code_point_not_utf16_unit()
    {
        // U+FF61 is one UTF-16 unit above the surrogates; U+1F600 is a surrogate pair. By code point U+FF61 < U+1F600.
        var obj = new JsonObject { ["😀"] = 1, ["｡"] = 2, ["a"] = 3, [""] = 4 };
        Assert.Equal("{\"\":4,\"a\":3,\"｡\":2,\"😀\":1}", CanonicalJson.SerializeToString(obj));
        Assert.True(string.CompareOrdinal("😀", "｡") < 0, "ordinal order differs, which is the point of this test");
    }

    [Fact]
    public void Key_prefix_sorts_first() =>
        Assert.Equal("{\"a\":1,\"ab\":2,\"b\":3}", CanonicalJson.SerializeToString(new JsonObject { ["b"] = 3, ["ab"] = 2, ["a"] = 1 }));

    [Theory]
    [InlineData("9007199254740991", "9007199254740991")]
    [InlineData("-9007199254740991", "-9007199254740991")]
    [InlineData("1.0", "1")]
    [InlineData("1.50e1", "15")]
    [InlineData("-0.0", "0")]
    [InlineData("0e5", "0")]
    [InlineData("12300e-2", "123")]
    [InlineData("1E3", "1000")]
    public void Integral_numbers_are_normalized(string literal, string expected) =>
        Assert.Equal(expected, CanonicalJson.SerializeToString(JsonNode.Parse(literal)));

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("1e16")]
    [InlineData("18446744073709551616")]
    public void Strict_mode_refuses_integers_out_of_range(string literal)
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(JsonNode.Parse(literal)));
        Assert.Equal(CanonicalJsonError.IntegerOutOfRange, ex.Error);
    }

    [Theory]
    [InlineData("9007199254740992", "9007199254740992")]
    [InlineData("18446744073709551616", "18446744073709551616")]
    [InlineData("-18446744073709551616", "-18446744073709551616")]
    [InlineData("1e20", "100000000000000000000")]
    public void Lenient_mode_keeps_large_integers(string literal, string expected) =>
        Assert.Equal(expected, CanonicalJson.SerializeToString(JsonNode.Parse(literal), CanonicalJsonMode.Lenient));

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e-1")]
    [InlineData("50.57")]
    public void Floats_are_refused_in_both_modes(string literal)
    {
        foreach (var mode in new[] { CanonicalJsonMode.Strict, CanonicalJsonMode.Lenient })
        {
            var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(JsonNode.Parse(literal), mode));
            Assert.Equal(CanonicalJsonError.NotAnInteger, ex.Error);
        }
    }

    [Fact]
    public void Clr_values_of_other_types_are_encoded()
    {
        var obj = new JsonObject { ["u"] = 5UL, ["d"] = 2.0, ["b"] = (byte)7, ["f"] = false, ["t"] = true, ["n"] = null, ["c"] = 'x' };
        Assert.Equal("{\"b\":7,\"c\":\"x\",\"d\":2,\"f\":false,\"n\":null,\"t\":true,\"u\":5}", CanonicalJson.SerializeToString(obj));
    }

    [Fact]
    public void Nan_is_refused()
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(JsonValue.Create(double.NaN)));
        Assert.Equal(CanonicalJsonError.UnsupportedValue, ex.Error);
    }

    [Fact]
    public void Unpaired_surrogate_is_refused()
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(new JsonObject { ["a"] = "x\ud800" }));
        Assert.Equal(CanonicalJsonError.InvalidString, ex.Error);
        ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(new JsonObject { ["\udc00"] = 1 }));
        Assert.Equal(CanonicalJsonError.InvalidString, ex.Error);
    }

    [Fact]
    public void Duplicate_keys_in_a_JsonElement_are_refused()
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(JsonElement.Parse("{\"a\":1,\"a\":2}")));
        Assert.Equal(CanonicalJsonError.DuplicateKey, ex.Error);
    }

    [Fact]
    public void SerializeWithout_leaves_out_top_level_keys_only()
    {
        var obj = new JsonObject { ["signatures"] = new JsonObject(), ["unsigned"] = 1, ["x"] = new JsonObject { ["unsigned"] = 2 } };
        Assert.Equal("{\"x\":{\"unsigned\":2}}", Encoding.UTF8.GetString(CanonicalJson.SerializeWithout(obj, ["signatures", "unsigned"])));
        Assert.Equal(3, obj.Count);
    }

    [Fact]
    public void GetByteCount_matches_the_encoding()
    {
        var obj = new JsonObject { ["body"] = "日本語", ["n"] = 12 };
        Assert.Equal(CanonicalJson.Serialize(obj).Length, CanonicalJson.GetByteCount(obj, []));
    }

    [Fact]
    public void Large_strings_cross_buffer_growth()
    {
        var text = string.Concat(Enumerable.Repeat("ab\n日", 5000));
        var expected = "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
        Assert.Equal(expected, CanonicalJson.SerializeToString(JsonValue.Create(text)));
    }
}
