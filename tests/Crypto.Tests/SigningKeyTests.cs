using System.Text;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class SigningKeyTests
{
    [Fact]
    public void Appendix_seed_gives_a_key_with_id_ed25519_1()
    {
        using var key = TestKeys.Appendix();
        Assert.Equal("ed25519:1", key.KeyId.ToString());
        Assert.Equal(UnpaddedBase64.Decode(TestKeys.SeedBase64), key.ExportSeed());
        Assert.Equal(32, key.VerifyKey.Bytes.Length);
    }

    [Fact]
    public void Signatures_verify_with_the_public_key_only()
    {
        using var key = SigningKey.Generate("a_1");
        var data = Encoding.UTF8.GetBytes("hello");
        var signature = key.Sign(data);
        var verify = VerifyKey.FromBase64(key.VerifyKey.Base64);
        Assert.True(verify.Verify(data, signature));
        Assert.False(verify.Verify("hellO"u8, signature));
        Assert.False(verify.Verify(data, signature.AsSpan(0, 63)));
        Assert.Equal(UnpaddedBase64.Encode(signature), key.SignToBase64(data));
    }

    [Fact]
    public void Same_seed_same_key()
    {
        using var a = SigningKey.Generate("x");
        using var b = SigningKey.FromSeed(a.ExportSeed(), "y");
        Assert.Equal(a.VerifyKey, b.VerifyKey);
        Assert.Equal(a.VerifyKey.GetHashCode(), b.VerifyKey.GetHashCode());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("a-b")]
    [InlineData("ключ")]
    public void Version_must_be_alphanumeric_or_underscore(string version) =>
        Assert.Throws<ArgumentException>(() => SigningKey.Generate(version));

    [Fact]
    public void Seed_must_be_32_bytes() => Assert.Throws<ArgumentException>(() => SigningKey.FromSeed(new byte[31], "1"));

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("not base64")]
    public void Bad_public_keys_are_refused(string text)
    {
        Assert.False(VerifyKey.TryFromBase64(text, out _));
        Assert.Throws<FormatException>(() => VerifyKey.FromBase64(text));
    }

    [Theory]
    [InlineData("ed25519:abc_1", "ed25519", "abc_1")]
    [InlineData("curve25519:X", "curve25519", "X")]
    public void Key_ids_parse(string text, string algorithm, string version)
    {
        Assert.True(SigningKeyId.TryParse(text, out var id));
        Assert.Equal(new SigningKeyId(algorithm, version), id);
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ed25519")]
    [InlineData(":1")]
    [InlineData("ed25519:")]
    [InlineData("ed25519:a:b")]
    public void Bad_key_ids_do_not_parse(string? text) => Assert.False(SigningKeyId.TryParse(text, out _));
}
