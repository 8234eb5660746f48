using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class JsonSigningTests
{
    private static JsonObject Parse(string json) => CanonicalJsonParser.ParseObject(json);

    [Fact]
    public void Appendix_vector_empty_object()
    {
        using var key = TestKeys.Appendix();
        var obj = new JsonObject();
        JsonSigning.Sign(obj, TestKeys.ServerName, key);
        var expected = Parse("""{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}""");
        Assert.Equal(CanonicalJson.Serialize(expected), CanonicalJson.Serialize(obj));
    }

    [Fact]
    public void Appendix_vector_object_with_data()
    {
        using var key = TestKeys.Appendix();
        var obj = Parse("""{"one":1,"two":"Two"}""");
        JsonSigning.Sign(obj, TestKeys.ServerName, key);
        var expected = Parse("""{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}""");
        Assert.Equal(CanonicalJson.Serialize(expected), CanonicalJson.Serialize(obj));
    }

    [Fact]
    public void Unsigned_and_existing_signatures_are_not_covered_and_are_kept()
    {
        using var key = TestKeys.Appendix();
        var obj = Parse("""{"one":1,"two":"Two","unsigned":{"age":5},"signatures":{"other":{"ed25519:x":"abc"}}}""");
        JsonSigning.Sign(obj, TestKeys.ServerName, key);
        Assert.Equal("KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw", obj["signatures"]!["domain"]!["ed25519:1"]!.GetValue<string>());
        Assert.Equal("abc", obj["signatures"]!["other"]!["ed25519:x"]!.GetValue<string>());
        Assert.Equal(5, obj["unsigned"]!["age"]!.GetValue<long>());
    }

    [Fact]
    public void Signing_as_a_second_key_keeps_the_first()
    {
        using var first = TestKeys.Appendix();
        using var second = SigningKey.Generate("2");
        var obj = new JsonObject { ["a"] = 1 };
        JsonSigning.Sign(obj, "domain", first);
        JsonSigning.Sign(obj, "domain", second);
        Assert.Equal(2, obj["signatures"]!["domain"]!.AsObject().Count);
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(obj, "domain", id => id.Version == "1" ? first.VerifyKey : second.VerifyKey));
    }

    [Fact]
    public void Verifies_a_signed_object()
    {
        using var key = TestKeys.Appendix();
        var obj = Parse("""{"one":1,"two":"Two"}""");
        JsonSigning.Sign(obj, "domain", key);
        obj["unsigned"] = new JsonObject { ["age"] = 99 };
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(obj, "domain", key.KeyId, key.VerifyKey));
    }

    [Fact]
    public void Tampered_object_is_invalid()
    {
        using var key = TestKeys.Appendix();
        var obj = Parse("""{"one":1,"two":"Two"}""");
        JsonSigning.Sign(obj, "domain", key);
        obj["two"] = "Three";
        Assert.Equal(SignatureStatus.Invalid, JsonSigning.Verify(obj, "domain", key.KeyId, key.VerifyKey));
    }

    [Fact]
    public void Wrong_key_is_invalid()
    {
        using var key = TestKeys.Appendix();
        using var other = SigningKey.Generate("1");
        var obj = new JsonObject { ["a"] = 1 };
        JsonSigning.Sign(obj, "domain", key);
        Assert.Equal(SignatureStatus.Invalid, JsonSigning.Verify(obj, "domain", key.KeyId, other.VerifyKey));
    }

    [Fact]
    public void Missing_signatures_are_reported()
    {
        using var key = TestKeys.Appendix();
        Assert.Equal(SignatureStatus.NotSigned, JsonSigning.Verify(new JsonObject(), "domain", key.KeyId, key.VerifyKey));
        Assert.Equal(SignatureStatus.NotSigned, JsonSigning.Verify(Parse("""{"signatures":{"other":{"ed25519:1":"x"}}}"""), "domain", key.KeyId, key.VerifyKey));
        Assert.Equal(SignatureStatus.NotSigned, JsonSigning.Verify(Parse("""{"signatures":"nope"}"""), "domain", key.KeyId, key.VerifyKey));
        Assert.Equal(SignatureStatus.NotSigned, JsonSigning.Verify(Parse("""{"signatures":{"domain":{}}}"""), "domain", key.KeyId, key.VerifyKey));
    }

    [Fact]
    public void Unknown_keys_and_algorithms_are_skipped()
    {
        using var key = TestKeys.Appendix();
        var obj = new JsonObject { ["a"] = 1 };
        JsonSigning.Sign(obj, "domain", key);
        Assert.Equal(SignatureStatus.NoKnownKey, JsonSigning.Verify(obj, "domain", _ => null));

        // A signature by an algorithm we do not know is ignored, even though the lookup would answer.
        obj["signatures"]!["domain"]!.AsObject()["curve25519:1"] = "garbage";
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(obj, "domain", _ => key.VerifyKey));
    }

    [Fact]
    public void Malformed_signature_is_reported()
    {
        using var key = TestKeys.Appendix();
        var obj = Parse("""{"a":1,"signatures":{"domain":{"ed25519:1":"not base64!"}}}""");
        Assert.Equal(SignatureStatus.Malformed, JsonSigning.Verify(obj, "domain", key.KeyId, key.VerifyKey));
        obj = Parse("""{"a":1,"signatures":{"domain":{"ed25519:1":5}}}""");
        Assert.Equal(SignatureStatus.Malformed, JsonSigning.Verify(obj, "domain", key.KeyId, key.VerifyKey));
    }

    [Fact]
    public void Truncated_signature_is_invalid()
    {
        using var key = TestKeys.Appendix();
        var obj = new JsonObject { ["a"] = 1 };
        JsonSigning.Sign(obj, "domain", key);
        var sig = obj["signatures"]!["domain"]!["ed25519:1"]!.GetValue<string>();
        obj["signatures"]!["domain"]!.AsObject()["ed25519:1"] = sig[..40];
        Assert.Equal(SignatureStatus.Invalid, JsonSigning.Verify(obj, "domain", key.KeyId, key.VerifyKey));
    }

    [Fact]
    public void One_bad_signature_among_known_keys_fails()
    {
        using var key = TestKeys.Appendix();
        using var second = SigningKey.Generate("2");
        var obj = new JsonObject { ["a"] = 1 };
        JsonSigning.Sign(obj, "domain", key);
        JsonSigning.AddSignature(obj, "domain", "ed25519:2", obj["signatures"]!["domain"]!["ed25519:1"]!.GetValue<string>());
        Assert.Equal(SignatureStatus.Invalid, JsonSigning.Verify(obj, "domain", id => id.Version == "1" ? key.VerifyKey : second.VerifyKey));
    }

    [Fact]
    public void Signatures_that_is_not_an_object_cannot_be_signed_into()
    {
        using var key = TestKeys.Appendix();
        Assert.Throws<InvalidOperationException>(() => JsonSigning.Sign(Parse("""{"signatures":[]}"""), "domain", key));
    }
}
