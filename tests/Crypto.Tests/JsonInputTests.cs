using System.Text;
using System.Text.Json.Nodes;

namespace Matrix.Crypto.Tests;

public class JsonInputTests
{
    private static CanonicalJsonError Rejection(byte[] utf8, int maxDepth = 64) =>
        Assert.Throws<CanonicalJsonException>(() => JsonInput.Parse(utf8, maxDepth)).Error;

    private static CanonicalJsonError Rejection(string json, int maxDepth = 64) => Rejection(Encoding.UTF8.GetBytes(json), maxDepth);

    [Fact]
    public void Parses_what_a_client_sends_and_keeps_numbers_as_written()
    {
        var node = JsonInput.Parse("{\"body\":\"h\\u00e9 \\ud83d\\ude00\",\"n\":1.5,\"big\":99999999999999999999,\"nul\":\"a\\u0000b\"}"u8, 64)!.AsObject();
        Assert.Equal("hé 😀", node["body"]!.GetValue<string>());
        Assert.Equal(1.5, node["n"]!.GetValue<double>());
        Assert.Equal("99999999999999999999", node["big"]!.ToJsonString());
        Assert.Equal("a\0b", node["nul"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"body\":\"x\",\"body\":\"y\"}")]
    [InlineData("{\"content\":{\"a\":1,\"a\":1}}")]
    [InlineData("[{\"k\":1,\"k\":2}]")]
    public void Refuses_a_key_twice(string json) => Assert.Equal(CanonicalJsonError.InvalidJson, Rejection(json));

    [Theory]
    [InlineData("{\"body\":\"\\ud800\"}")]
    [InlineData("{\"body\":\"x\\udc00y\"}")]
    [InlineData("{\"\\ud800\":1}")]
    [InlineData("[\"\\ude00\\ud83d\"]")]
    public void Refuses_an_escaped_lone_surrogate(string json) => Assert.Equal(CanonicalJsonError.InvalidString, Rejection(json));

    [Fact]
    public void Refuses_invalid_UTF_8() =>
        Assert.Equal(CanonicalJsonError.InvalidUtf8, Rejection([.. "{\"body\":\""u8, 0xFF, 0xFE, .. "\"}"u8]));

    [Fact]
    public void Refuses_text_with_a_lone_surrogate() =>
        Assert.Equal(CanonicalJsonError.InvalidString, Assert.Throws<CanonicalJsonException>(() => JsonInput.Parse("{\"a\":\"\ud800\"}", 64)).Error);

    [Fact]
    public void Refuses_nesting_deeper_than_the_limit()
    {
        Assert.NotNull(JsonInput.Parse(string.Concat(Enumerable.Repeat("{\"a\":", 10)) + "1" + new string('}', 10), 10));
        Assert.Equal(CanonicalJsonError.InvalidJson, Rejection(string.Concat(Enumerable.Repeat("{\"a\":", 11)) + "1" + new string('}', 11), 10));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1} x")]
    [InlineData("")]
    public void Refuses_what_is_not_JSON(string json) => Assert.Equal(CanonicalJsonError.InvalidJson, Rejection(json));

    [Fact]
    public void A_long_escaped_string_is_checked_whole()
    {
        var ok = "{\"a\":\"" + string.Concat(Enumerable.Repeat("\\u00e9", 400)) + "\"}";
        Assert.Equal(400, JsonInput.Parse(ok, 64)!["a"]!.GetValue<string>().Length);
        Assert.Equal(CanonicalJsonError.InvalidString, Rejection("{\"a\":\"" + string.Concat(Enumerable.Repeat("\\u00e9", 400)) + "\\ud800\"}"));
    }
}
