using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Tests.Events;
using Matrix.Federation.Transport;

namespace Matrix.Federation.Tests.Transport;

public sealed class XMatrixTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private const string Uri = "/_matrix/federation/v1/send/txn1?x=1";

    private readonly SigningKey _key = SigningKey.Generate("k1");
    private readonly TestKeyLookup _keys = new();

    public XMatrixTests() => _keys.Add("origin.example", _key, validUntilTs: Now + 1000);

    public void Dispose() => _key.Dispose();

    private static JsonObject Body() => new() { ["pdus"] = new JsonArray(), ["origin"] = "origin.example" };

    private string Header(string destination = "dest.example", JsonNode? content = null) =>
        RequestSigning.Sign("PUT", Uri, "origin.example", destination, content ?? Body(), _key).ToHeaderValue();

    private ValueTask<XMatrixVerification> Verify(string? header, string method = "PUT", string uri = Uri, JsonNode? content = null, long now = Now) =>
        RequestSigning.VerifyAsync(header, method, uri, "dest.example", content ?? Body(), _keys, now);

    [Fact]
    public async Task Round_trip()
    {
        var result = await Verify(Header());
        Assert.True(result.IsValid, result.Error.ToString());
        Assert.Equal("origin.example", result.Origin);
    }

    [Fact]
    public async Task Requests_without_a_body()
    {
        var header = RequestSigning.Sign("GET", "/_matrix/federation/v1/version", "origin.example", "dest.example", null, _key).ToHeaderValue();
        Assert.True((await RequestSigning.VerifyAsync(header, "GET", "/_matrix/federation/v1/version", "dest.example", null, _keys, Now)).IsValid);
    }

    [Fact]
    public void Header_is_written_as_the_spec_asks()
    {
        var header = Header();
        Assert.Matches("^X-Matrix origin=\"origin.example\",destination=\"dest.example\",key=\"ed25519:k1\",sig=\"[A-Za-z0-9+/]{86}\"$", header);
    }

    [Fact]
    public void Signature_matches_the_spec_json()
    {
        // The signed object of the spec's example, checked independently with JsonSigning.
        var auth = RequestSigning.Sign("POST", "/target", "origin.hs.example.com", "destination.hs.example.com", new JsonObject { ["a"] = 1 }, _key);
        var json = new JsonObject
        {
            ["method"] = "POST",
            ["uri"] = "/target",
            ["origin"] = "origin.hs.example.com",
            ["destination"] = "destination.hs.example.com",
            ["content"] = new JsonObject { ["a"] = 1 },
        };
        Assert.Equal(JsonSigning.ComputeSignature(json, _key), auth.Signature);
    }

    [Theory]
    [InlineData("X-Matrix origin=origin.example,key=ed25519:k1,sig=abc")]
    [InlineData("X-Matrix   origin=\"origin.example\" ,\tkey=\"ed25519:k1\"\t, sig=\"abc\"")]
    [InlineData("x-matrix ORIGIN=\"origin.example\",Key=\"ed25519:k1\",SIG=\"abc\"")]
    [InlineData("X-Matrix sig=\"abc\",key=\"ed25519:k1\",origin=\"origin.example\",unknown=\"x, y\"")]
    [InlineData("X-Matrix origin=\"orig\\in.example\",key=\"ed25519:k1\",sig=\"abc\"")]
    public void Parses_robustly(string header)
    {
        Assert.True(XMatrixAuthorization.TryParse(header, out var auth, out var error), error.ToString());
        Assert.Equal("origin.example", auth.Origin);
        Assert.Equal(new SigningKeyId("ed25519", "k1"), auth.Key);
        Assert.Equal("abc", auth.Signature);
        Assert.Null(auth.Destination);
    }

    [Fact]
    public void Formatting_round_trips_through_parsing()
    {
        var auth = new XMatrixAuthorization("a.example:8448", "[::1]:8448", new SigningKeyId("ed25519", "a_1"), "c2ln");
        Assert.True(XMatrixAuthorization.TryParse(auth.ToHeaderValue(), out var parsed, out _));
        Assert.Equal(auth, parsed);
    }

    [Theory]
    [InlineData(null, XMatrixError.NotXMatrix)]
    [InlineData("", XMatrixError.NotXMatrix)]
    [InlineData("Bearer abc", XMatrixError.NotXMatrix)]
    [InlineData("X-Matrix", XMatrixError.NotXMatrix)]
    [InlineData("X-Matrixorigin=a", XMatrixError.NotXMatrix)]
    [InlineData("X-Matrix origin", XMatrixError.Malformed)]
    [InlineData("X-Matrix =x", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=\"a.example,key=\"ed25519:1\",sig=\"x\"", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=\"a.example\"x,key=\"ed25519:1\",sig=\"x\"", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=a.example key=ed25519:1", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=,key=ed25519:1,sig=x", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=a.example,,key=ed25519:1,sig=x", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=a.example,key=ed25519:1,sig=x,", XMatrixError.Malformed)]
    [InlineData("X-Matrix origin=a.example,origin=b.example,key=ed25519:1,sig=x", XMatrixError.DuplicateParameter)]
    [InlineData("X-Matrix key=ed25519:1,sig=x", XMatrixError.MissingOrigin)]
    [InlineData("X-Matrix origin=a.example,sig=x", XMatrixError.MissingKey)]
    [InlineData("X-Matrix origin=a.example,key=ed25519:1", XMatrixError.MissingSignature)]
    [InlineData("X-Matrix origin=bad_name,key=ed25519:1,sig=x", XMatrixError.InvalidServerName)]
    [InlineData("X-Matrix origin=a.example,destination=\"b c\",key=ed25519:1,sig=x", XMatrixError.InvalidServerName)]
    [InlineData("X-Matrix origin=a.example,key=ed25519,sig=x", XMatrixError.InvalidKeyId)]
    public void Malformed_headers_are_refused(string? header, XMatrixError expected)
    {
        Assert.False(XMatrixAuthorization.TryParse(header, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task Wrong_destination_is_refused()
    {
        var result = await Verify(Header(destination: "other.example"));
        Assert.Equal(XMatrixError.DestinationMismatch, result.Error);
    }

    [Fact]
    public async Task Missing_destination_is_accepted_but_still_bound_to_us()
    {
        // An old server signs with our name but leaves the parameter out.
        var auth = RequestSigning.Sign("PUT", Uri, "origin.example", "dest.example", Body(), _key) with { Destination = null };
        Assert.True((await Verify(auth.ToHeaderValue())).IsValid);

        // A request signed for another server fails even without the parameter.
        var replayed = RequestSigning.Sign("PUT", Uri, "origin.example", "other.example", Body(), _key) with { Destination = null };
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(replayed.ToHeaderValue())).Error);
    }

    [Fact]
    public async Task Tampering_is_detected()
    {
        var header = Header();
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(header, method: "POST")).Error);
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(header, uri: "/_matrix/federation/v1/send/txn2?x=1")).Error);
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(header, content: new JsonObject { ["pdus"] = new JsonArray() })).Error);
        var claimedOrigin = header.Replace("origin=\"origin.example\"", "origin=\"evil.example\"", StringComparison.Ordinal);
        Assert.Equal(XMatrixError.UnknownKey, (await Verify(claimedOrigin)).Error);
    }

    [Fact]
    public async Task Unknown_or_expired_keys_are_refused()
    {
        var otherKey = RequestSigning.Sign("PUT", Uri, "origin.example", "dest.example", Body(), SigningKey.Generate("k2")).ToHeaderValue();
        Assert.Equal(XMatrixError.UnknownKey, (await Verify(otherKey)).Error);
        Assert.Equal(XMatrixError.UnknownKey, (await Verify(Header(), now: Now + 1001)).Error);
    }

    [Fact]
    public async Task A_body_with_a_float_is_not_canonical_rather_than_badly_signed()
    {
        // What a peer signs with an encoder that takes floats: no canonical form exists to check it against.
        var body = (JsonObject)JsonInput.Parse("{\"event\":{\"content\":{\"bad_val\":1.1}}}"u8, 16)!;
        Assert.Equal(XMatrixError.BodyNotCanonical, (await Verify(Header(), content: body)).Error);
    }

    [Fact]
    public async Task Signature_garbage_is_invalid()
    {
        var header = $"X-Matrix origin=\"origin.example\",destination=\"dest.example\",key=\"ed25519:k1\",sig=\"{new string('A', 86)}\"";
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(header)).Error);
        Assert.Equal(XMatrixError.InvalidSignature, (await Verify(header.Replace(new string('A', 86), "!!", StringComparison.Ordinal))).Error);
    }
}
