using System.Text.Json.Nodes;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

public class Sha256HashTests
{
    [Fact]
    public void Hashes_bytes() =>
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", UnpaddedBase64.Encode(Sha256Hash.Hash([])));

    [Fact]
    public void Hashes_the_canonical_form()
    {
        var a = JsonNode.Parse("{\"b\": 1, \"a\": [true]}");
        Assert.Equal(Sha256Hash.Hash("{\"a\":[true],\"b\":1}"u8), Sha256Hash.HashCanonical(a));
    }

    [Fact]
    public void Excluded_keys_are_not_hashed()
    {
        var obj = new JsonObject { ["a"] = 1, ["hashes"] = new JsonObject { ["sha256"] = "x" } };
        Assert.Equal(Sha256Hash.Hash("{\"a\":1}"u8), Sha256Hash.HashCanonical(obj, ["hashes"]));
    }
}
