using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>X-Matrix between real servers: accepted when right, 401/400/403 otherwise.</summary>
[Collection(FederationCollection.Name)]
public sealed class AuthenticationTests(FederationFixture fixture)
{
    private const string Uri = FederationFixture.EchoPrefix + "/echo/a%20b?x=1&y=%2F";

    private static JsonObject Body() => new() { ["hello"] = "world", ["n"] = 3 };

    [Fact]
    public async Task A_request_signed_by_the_federation_client_is_accepted_and_reported()
    {
        var contacted = new List<string>();
        var signal = fixture.Hs1.Services.GetRequiredService<ServerContactSignal>();
        void OnContact(string server)
        {
            lock (contacted) contacted.Add(server);
        }

        signal.Contacted += OnContact;
        try
        {
            var client = fixture.Hs2.Services.GetRequiredService<FederationClient>();
            var answer = await client.PutJsonAsync("hs1.test", Uri, Body());

            Assert.Equal("hs2.test", answer["origin"]!.GetValue<string>());
            Assert.Equal("a b", answer["id"]!.GetValue<string>());
            Assert.Equal("?x=1&y=%2F", answer["query"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(Body(), answer["content"]));
            lock (contacted) Assert.Contains("hs2.test", contacted);
        }
        finally
        {
            signal.Contacted -= OnContact;
        }
    }

    [Fact]
    public async Task A_get_without_body_is_accepted()
    {
        var client = fixture.Hs2.Services.GetRequiredService<FederationClient>();
        var answer = await client.GetJsonAsync("hs1.test", FederationFixture.EchoPrefix + "/echo/get");
        Assert.Equal("hs2.test", answer["origin"]!.GetValue<string>());
        Assert.Null(answer["content"]);
    }

    [Fact]
    public async Task A_hand_signed_request_is_accepted()
    {
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Post, Uri, Body());
        var answer = (await fixture.SendRawAsync("hs1.test", HttpMethod.Post, Uri, Body(), header)).Ok();
        Assert.Equal("hs2.test", answer["origin"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_tampered_body_is_refused()
    {
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body());
        var tampered = Body();
        tampered["n"] = 4;
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, tampered, header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_signature_over_another_path_or_method_is_refused()
    {
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body());
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri + "&z=2", Body(), header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Post, Uri, Body(), header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_request_for_another_destination_is_refused()
    {
        var header = fixture.Sign("hs2.test", "hs3.test", HttpMethod.Put, Uri, Body());
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task An_unknown_key_is_refused()
    {
        using var stranger = SigningKey.Generate("not_published");
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body(), stranger);
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_key_of_another_server_is_refused()
    {
        // hs3's real key, claiming to be hs2 under hs3's key ID.
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body(), FederationFixture.SigningKeyOf(fixture.Hs3));
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), header)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_missing_header_is_refused()
    {
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), null)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), "Bearer abc")).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Federation_endpoints_are_authenticated_even_without_a_requester_parameter()
    {
        const string plain = FederationFixture.EchoPrefix + "/plain";
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Get, plain, null, null)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Get, plain, null);
        Assert.True((await fixture.SendRawAsync("hs1.test", HttpMethod.Get, plain, null, header)).Ok()["reached"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_malformed_header_is_a_bad_request()
    {
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), "X-Matrix origin=hs2.test,key=\"ed25519:x\""))
            .IsError(HttpStatusCode.BadRequest, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body());
        using var http = fixture.Servers.FederationHttp("hs1.test");
        using var request = new HttpRequestMessage(HttpMethod.Put, Uri) { Content = new StringContent("{not json") };
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("M_NOT_JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"hello\":\"world\",\"hello\":\"again\"}")]
    [InlineData("{\"hello\":\"\\ud800\"}")]
    public async Task A_body_with_a_key_twice_or_a_lone_surrogate_is_refused_before_its_signature_is_checked(string body)
    {
        var header = fixture.Sign("hs2.test", "hs1.test", HttpMethod.Put, Uri, Body());
        using var http = fixture.Servers.FederationHttp("hs1.test");
        using var request = new HttpRequestMessage(HttpMethod.Put, Uri) { Content = new StringContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("M_NOT_JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denied_server_is_forbidden_both_ways()
    {
        var header = fixture.Sign("hs3.test", "hs1.test", HttpMethod.Put, Uri, Body());
        (await fixture.SendRawAsync("hs1.test", HttpMethod.Put, Uri, Body(), header)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        var client = fixture.Hs1.Services.GetRequiredService<FederationClient>();
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync("hs3.test", "/_matrix/federation/v1/version"));
    }

    [Fact]
    public async Task Remote_errors_surface_with_status_and_errcode()
    {
        var client = fixture.Hs2.Services.GetRequiredService<FederationClient>();
        var error = await Assert.ThrowsAsync<FederationHttpException>(() => client.GetJsonAsync("hs1.test", "/_matrix/federation/v1/nope"));
        Assert.Equal(404, error.StatusCode);
        Assert.Equal("M_UNRECOGNIZED", error.ErrCode);
    }

    [Fact]
    public async Task The_client_refuses_non_public_addresses_that_are_not_overridden()
    {
        var client = fixture.Hs2.Services.GetRequiredService<FederationClient>();
        var port = fixture.Servers.FederationPort("hs1.test");
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync($"127.0.0.1:{port}", "/_matrix/federation/v1/version"));
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync($"[::ffff:127.0.0.1]:{port}", "/_matrix/federation/v1/version"));
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync($"[::1]:{port}", "/_matrix/federation/v1/version"));
    }
}
