using System.Text;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class UnpaddedBase64Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "Zg")]
    [InlineData("fo", "Zm8")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg")]
    [InlineData("fooba", "Zm9vYmE")]
    [InlineData("foobar", "Zm9vYmFy")]
    public void Appendix_examples_round_trip(string plain, string encoded)
    {
        Assert.Equal(encoded, UnpaddedBase64.Encode(Encoding.ASCII.GetBytes(plain)));
        Assert.Equal(plain, Encoding.ASCII.GetString(UnpaddedBase64.Decode(encoded)));
    }

    [Theory]
    [InlineData("Zg==", "f")]
    [InlineData("Zm8=", "fo")]
    [InlineData("Zg=", "f")]
    public void Decoding_accepts_padding(string encoded, string plain) =>
        Assert.Equal(plain, Encoding.ASCII.GetString(UnpaddedBase64.Decode(encoded)));

    [Theory]
    [InlineData("Z")]
    [InlineData("Zm9vY")]
    [InlineData("Zg===")]
    [InlineData("Zm9v=")]
    [InlineData("Zm 9v")]
    [InlineData("Zm9v\n")]
    [InlineData("Zm-_")]
    [InlineData("=")]
    [InlineData("Zg==Zg")]
    public void Decoding_refuses_malformed_standard(string encoded)
    {
        Assert.False(UnpaddedBase64.TryDecode(encoded, out _));
        Assert.Throws<FormatException>(() => UnpaddedBase64.Decode(encoded));
    }

    [Fact]
    public void Url_safe_uses_minus_and_underscore()
    {
        byte[] data = [0xFB, 0xFF, 0xBF];
        Assert.Equal("+/+/", UnpaddedBase64.Encode(data));
        Assert.Equal("-_-_", UnpaddedBase64.EncodeUrlSafe(data));
        Assert.Equal(data, UnpaddedBase64.DecodeUrlSafe("-_-_"));
        Assert.False(UnpaddedBase64.TryDecodeUrlSafe("+/+/", out _));
        Assert.False(UnpaddedBase64.TryDecode("-_-_", out _));
    }

    [Fact]
    public void Url_safe_accepts_padding() => Assert.Equal([0xFB], UnpaddedBase64.DecodeUrlSafe("-w=="));

    [Fact]
    public void Round_trips_every_length()
    {
        var random = new Random(7);
        for (var length = 0; length < 70; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(data, UnpaddedBase64.Decode(UnpaddedBase64.Encode(data)));
            Assert.Equal(data, UnpaddedBase64.DecodeUrlSafe(UnpaddedBase64.EncodeUrlSafe(data)));
            Assert.DoesNotContain('=', UnpaddedBase64.Encode(data));
        }
    }
}
