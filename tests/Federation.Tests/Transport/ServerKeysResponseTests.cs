using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Keys;

namespace Matrix.Federation.Tests.Transport;

public sealed class ServerKeysResponseTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly SigningKey _key = SigningKey.Generate("current");
    private readonly SigningKey _old = SigningKey.Generate("old");

    public void Dispose()
    {
        _key.Dispose();
        _old.Dispose();
    }

    private JsonObject Published(long validUntil = Now + 3_600_000) =>
        ServerKeysResponse.Build("example.org", _key, [(_old.VerifyKey, _old.KeyId, Now - 1000)], validUntil);

    [Fact]
    public void Our_own_object_round_trips()
    {
        var response = ServerKeysResponse.Parse(Published(), "example.org");
        Assert.Equal("example.org", response.ServerName);
        var current = Assert.Single(response.Keys, k => !k.IsOld);
        Assert.Equal(_key.VerifyKey, current.Key);
        Assert.Equal(Now + 3_600_000, current.ValidUntilTs);
        var old = Assert.Single(response.Keys, k => k.IsOld);
        Assert.Equal(_old.KeyId, old.Id);
        Assert.Equal(Now - 1000, old.ValidUntilTs);
    }

    [Fact]
    public void Validity_is_capped_at_seven_days_from_the_fetch()
    {
        var response = ServerKeysResponse.Parse(Published(Now + ServerKeysResponse.MaxValidityMs * 10), "example.org");
        var keys = response.ToServerKeys(Now).ToDictionary(k => k.Id, k => k.Key.ValidUntilTs);
        Assert.Equal(Now + ServerKeysResponse.MaxValidityMs, keys[_key.KeyId]);
        Assert.Equal(Now - 1000, keys[_old.KeyId]);
    }

    [Fact]
    public void An_answer_for_another_server_is_refused() =>
        Assert.Throws<ServerKeysException>(() => ServerKeysResponse.Parse(Published(), "other.org"));

    [Fact]
    public void A_changed_object_is_refused()
    {
        var json = Published();
        json["valid_until_ts"] = Now + 999_999_999;
        Assert.Throws<ServerKeysException>(() => ServerKeysResponse.Parse(json, "example.org"));
    }

    [Fact]
    public void An_object_signed_only_by_someone_else_is_refused()
    {
        var json = Published();
        json.Remove("signatures");
        using var other = SigningKey.Generate("current");
        JsonSigning.Sign(json, "example.org", other);
        Assert.Throws<ServerKeysException>(() => ServerKeysResponse.Parse(json, "example.org"));
    }

    [Theory]
    [InlineData("server_name")]
    [InlineData("verify_keys")]
    [InlineData("valid_until_ts")]
    public void Required_fields_are_required(string field)
    {
        var json = Published();
        json.Remove(field);
        Assert.Throws<ServerKeysException>(() => ServerKeysResponse.Parse(json, null));
    }

    [Fact]
    public void Keys_of_unknown_algorithms_are_skipped()
    {
        var json = Published();
        json.Remove("signatures");
        json["verify_keys"]!["curve25519:x"] = new JsonObject { ["key"] = "abc" };
        JsonSigning.Sign(json, "example.org", _key);
        Assert.DoesNotContain(ServerKeysResponse.Parse(json, "example.org").Keys, k => k.Id.Algorithm != SigningKeyId.Ed25519);
    }
}
