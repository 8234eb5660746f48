using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class CanonicalJsonParserTests
{
    private static CanonicalJsonError Rejection(string json, CanonicalJsonParserOptions? options = null) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJsonParser.Parse(json, options)).Error;

    private static CanonicalJsonError Rejection(byte[] json) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJsonParser.Parse(json)).Error;

    [Fact]
    public void Parses_a_document_into_nodes()
    {
        var obj = CanonicalJsonParser.ParseObject("{\"a\": [1, \"x\", true, false, null, {\"b\": -5}]}");
        Assert.Equal("{\"a\":[1,\"x\",true,false,null,{\"b\":-5}]}", CanonicalJson.SerializeToString(obj));
        Assert.Equal(-5, obj["a"]![5]!["b"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e2")]
    [InlineData("1E2")]
    [InlineData("{\"a\":[0.1]}")]
    public void Strict_refuses_fractions_and_exponents(string json) => Assert.Equal(CanonicalJsonError.NotAnInteger, Rejection(json));

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("99999999999999999999")]
    public void Strict_refuses_integers_out_of_range(string json) => Assert.Equal(CanonicalJsonError.IntegerOutOfRange, Rejection(json));

    [Theory]
    [InlineData("9007199254740991")]
    [InlineData("-9007199254740991")]
    [InlineData("-0")]
    public void Strict_accepts_the_range_limits(string json) => Assert.NotNull(CanonicalJsonParser.Parse(json));

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":1,\"\\u0061\":2}")]
    [InlineData("[{\"x\":{\"k\":1,\"k\":1}}]")]
    public void Refuses_duplicate_keys(string json)
    {
        Assert.Equal(CanonicalJsonError.DuplicateKey, Rejection(json));
        Assert.Equal(CanonicalJsonError.DuplicateKey, Rejection(json, CanonicalJsonParserOptions.Lenient));
    }

    [Fact]
    public void Refuses_invalid_utf8()
    {
        Assert.Equal(CanonicalJsonError.InvalidUtf8, Rejection([.. "\"a"u8, 0xFF, .. "\""u8]));
        Assert.Equal(CanonicalJsonError.InvalidUtf8, Rejection([.. "\""u8, 0xC3, .. "\""u8]));
        // An encoded surrogate (CESU-8) is not UTF-8 either.
        Assert.Equal(CanonicalJsonError.InvalidUtf8, Rejection([.. "\""u8, 0xED, 0xA0, 0x80, .. "\""u8]));
    }

    [Fact]
    public void Refuses_escaped_unpaired_surrogates() => Assert.Equal(CanonicalJsonError.InvalidString, Rejection("\"\\ud800\""));

    [Fact]
    public void Accepts_escaped_surrogate_pairs() => Assert.Equal("😀", CanonicalJsonParser.Parse("\"\\ud83d\\ude00\"")!.GetValue<string>());

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{} {}")]
    [InlineData("// c\n{}")]
    [InlineData("{'a':1}")]
    [InlineData("NaN")]
    [InlineData("01")]
    [InlineData("\"\t\"")]
    public void Refuses_invalid_json(string json) => Assert.Equal(CanonicalJsonError.InvalidJson, Rejection(json));

    [Fact]
    public void Refuses_nesting_deeper_than_the_limit()
    {
        static string Nested(int depth) => new string('[', depth) + new string(']', depth);

        Assert.NotNull(CanonicalJsonParser.Parse(Nested(64)));
        Assert.Equal(CanonicalJsonError.TooDeep, Rejection(Nested(65)));
        var options = new CanonicalJsonParserOptions { MaxDepth = 3 };
        Assert.NotNull(CanonicalJsonParser.Parse("{\"a\":{\"b\":[]}}", options));
        Assert.Equal(CanonicalJsonError.TooDeep, Rejection("{\"a\":{\"b\":[{}]}}", options));
    }

    [Fact]
    public void Depth_limit_must_be_sane() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CanonicalJsonParserOptions { MaxDepth = 0 });

    [Fact]
    public void ParseObject_requires_an_object() =>
        Assert.Equal(CanonicalJsonError.UnexpectedType, Assert.Throws<CanonicalJsonException>(() => CanonicalJsonParser.ParseObject("[]")).Error);

    [Fact]
    public void Lenient_keeps_out_of_range_integers_exactly()
    {
        var obj = CanonicalJsonParser.ParseObject("{\"depth\":18446744073709551616,\"n\":9007199254740993}", CanonicalJsonParserOptions.Lenient);
        Assert.Equal("{\"depth\":18446744073709551616,\"n\":9007199254740993}", CanonicalJson.SerializeToString(obj, CanonicalJsonMode.Lenient));
        Assert.Equal(9007199254740993, obj["n"]!.GetValue<long>());
    }

    [Fact]
    public void Lenient_accepts_floats_but_encoding_refuses_them()
    {
        var obj = CanonicalJsonParser.ParseObject("{\"pl\":50.57}", CanonicalJsonParserOptions.Lenient);
        Assert.Equal(CanonicalJsonError.NotAnInteger, Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(obj, CanonicalJsonMode.Lenient)).Error);
    }

    [Fact]
    public void Lenient_still_refuses_invalid_json() =>
        Assert.Equal(CanonicalJsonError.InvalidJson, Rejection("{\"a\":}", CanonicalJsonParserOptions.Lenient));

    [Fact]
    public void String_input_with_an_unpaired_surrogate_is_refused() =>
        Assert.Equal(CanonicalJsonError.InvalidString, Rejection("\"\ud800\""));

    [Fact]
    public void Error_messages_name_the_position()
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => CanonicalJsonParser.Parse(Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2}")));
        Assert.Contains("\"a\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsed_numbers_are_plain_longs()
    {
        var node = CanonicalJsonParser.Parse("[42]") as JsonArray;
        Assert.True(node![0]!.AsValue().TryGetValue(out long value));
        Assert.Equal(42, value);
    }
}
