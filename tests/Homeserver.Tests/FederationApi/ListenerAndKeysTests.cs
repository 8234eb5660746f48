using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>What each listener serves, /version, and our published keys.</summary>
[Collection(FederationCollection.Name)]
public sealed class ListenerAndKeysTests(FederationFixture fixture)
{
    [Fact]
    public async Task Version_is_served_on_the_federation_listener_only()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        var version = (await federation.GetJsonAsync("/_matrix/federation/v1/version")).Ok();
        Assert.Equal("Matrix.Homeserver", version["server"]!["name"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(version["server"]!["version"]!.GetValue<string>()));

        (await fixture.Hs1.Http.GetJsonAsync("/_matrix/federation/v1/version")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await fixture.Hs1.Http.GetJsonAsync("/_matrix/key/v2/server")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Client_routes_and_well_known_are_served_on_the_client_listener_only()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        (await federation.GetJsonAsync("/_matrix/client/versions")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        Assert.Equal(HttpStatusCode.NotFound, (await federation.GetJsonAsync("/.well-known/matrix/server")).Status);

        (await fixture.Hs1.Http.GetJsonAsync("/_matrix/client/versions")).Ok();
        var wellKnown = (await fixture.Hs1.Http.GetJsonAsync("/.well-known/matrix/server")).Ok();
        Assert.Equal($"127.0.0.1:{fixture.Servers.FederationPort("hs1.test")}", wellKnown["m.server"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_federation_paths_answer_unrecognized()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        (await federation.GetJsonAsync("/_matrix/federation/v1/nope")).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await federation.PutJsonAsync("/_matrix/federation/v1/version", new JsonObject())).IsError(HttpStatusCode.MethodNotAllowed, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Published_keys_are_self_signed_and_valid_for_a_day()
    {
        using var federation = fixture.Servers.FederationHttp("hs2.test");
        var keys = (await federation.GetJsonAsync("/_matrix/key/v2/server")).Ok();
        var keyId = fixture.Servers.KeyId("hs2.test").ToString();
        Assert.Equal("hs2.test", keys["server_name"]!.GetValue<string>());
        Assert.Equal(fixture.Servers.VerifyKey("hs2.test").Base64, keys["verify_keys"]![keyId]!["key"]!.GetValue<string>());
        Assert.Empty(keys["old_verify_keys"]!.AsObject());

        var validUntil = keys["valid_until_ts"]!.GetValue<long>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(validUntil, now + TimeSpan.FromHours(12).TotalMilliseconds, now + TimeSpan.FromHours(24).TotalMilliseconds);

        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(keys, "hs2.test", fixture.Servers.KeyId("hs2.test"), fixture.Servers.VerifyKey("hs2.test")));

        // The deprecated path with a key ID serves the same document.
        var byKeyId = (await federation.GetJsonAsync("/_matrix/key/v2/server/" + Uri.EscapeDataString(keyId))).Ok();
        Assert.Equal(keys["verify_keys"]!.ToJsonString(), byKeyId["verify_keys"]!.ToJsonString());
    }

    [Fact]
    public async Task Notary_answers_with_the_origin_and_notary_signatures()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        var answer = (await federation.PostJsonAsync("/_matrix/key/v2/query", new JsonObject
        {
            ["server_keys"] = new JsonObject { ["hs2.test"] = new JsonObject { [fixture.Servers.KeyId("hs2.test").ToString()] = new JsonObject() } },
        })).Ok();

        var keys = Assert.Single(answer["server_keys"]!.AsArray())!.AsObject();
        Assert.Equal("hs2.test", keys["server_name"]!.GetValue<string>());
        AssertSignedBy(keys, "hs2.test");
        AssertSignedBy(keys, "hs1.test");
    }

    [Fact]
    public async Task Notary_get_form_answers_all_keys_and_our_own()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        var answer = (await federation.GetJsonAsync("/_matrix/key/v2/query/hs2.test?minimum_valid_until_ts=1")).Ok();
        var keys = Assert.Single(answer["server_keys"]!.AsArray())!.AsObject();
        AssertSignedBy(keys, "hs2.test");
        AssertSignedBy(keys, "hs1.test");

        var own = (await federation.GetJsonAsync("/_matrix/key/v2/query/hs1.test")).Ok();
        Assert.Equal("hs1.test", Assert.Single(own["server_keys"]!.AsArray())!["server_name"]!.GetValue<string>());

        var byKeyId = (await federation.GetJsonAsync($"/_matrix/key/v2/query/hs2.test/{Uri.EscapeDataString(fixture.Servers.KeyId("hs2.test").ToString())}")).Ok();
        AssertSignedBy(Assert.Single(byKeyId["server_keys"]!.AsArray())!.AsObject(), "hs2.test");
        (await federation.GetJsonAsync("/_matrix/key/v2/query/not_a_server!/ed25519:x")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // A name the grammar allows but no host can have: nothing to give, not an error (it answered 500 before).
        Assert.Empty((await federation.GetJsonAsync("/_matrix/key/v2/query/not..a..server/ed25519:x")).Ok()["server_keys"]!.AsArray());
    }

    [Fact]
    public async Task Notary_asked_for_more_than_it_can_get_still_answers_what_it_has()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        var farFuture = DateTimeOffset.UtcNow.AddYears(5).ToUnixTimeMilliseconds();
        var answer = (await federation.GetJsonAsync($"/_matrix/key/v2/query/hs2.test?minimum_valid_until_ts={farFuture}")).Ok();
        Assert.Single(answer["server_keys"]!.AsArray());
    }

    [Fact]
    public async Task Notary_leaves_out_unreachable_servers()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        var answer = (await federation.PostJsonAsync("/_matrix/key/v2/query", new JsonObject
        {
            ["server_keys"] = new JsonObject { [FederationFixture.DownServer] = new JsonObject(), ["hs3.test"] = new JsonObject() },
        })).Ok();
        Assert.Empty(answer["server_keys"]!.AsArray());
    }

    [Theory]
    [InlineData("{}", "M_MISSING_PARAM")]
    [InlineData("{\"server_keys\": []}", "M_BAD_JSON")]
    [InlineData("{\"server_keys\": {\"hs2.test\": {\"ed25519:x\": {\"minimum_valid_until_ts\": \"soon\"}}}}", "M_BAD_JSON")]
    [InlineData("{\"server_keys\": {\"not a server\": {}}}", "M_INVALID_PARAM")]
    [InlineData("not json", "M_NOT_JSON")]
    public async Task Notary_rejects_malformed_queries(string body, string errcode)
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        (await federation.SendAsync(HttpMethod.Post, "/_matrix/key/v2/query", rawBody: body)).IsError(HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task Notary_get_rejects_a_bad_minimum()
    {
        using var federation = fixture.Servers.FederationHttp("hs1.test");
        (await federation.GetJsonAsync("/_matrix/key/v2/query/hs2.test?minimum_valid_until_ts=soon")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    private void AssertSignedBy(JsonObject keys, string server)
    {
        Assert.Equal(SignatureStatus.Valid, JsonSigning.Verify(keys, server, fixture.Servers.KeyId(server), fixture.Servers.VerifyKey(server), CanonicalJsonMode.Lenient));
    }
}
