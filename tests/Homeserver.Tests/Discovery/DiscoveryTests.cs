using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Discovery;

public sealed class DiscoveryTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Versions_lists_the_spec_versions_served()
    {
        var response = await _server.Http.GetAsync("/_matrix/client/versions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var versions = body["versions"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.Contains("v1.11", versions);
        Assert.Equal("v1.19", versions[^1]);
        Assert.IsType<JsonObject>(body["unstable_features"]);
    }

    [Fact]
    public async Task Client_well_known_points_at_the_base_url_and_allows_cors()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/matrix/client");
        request.Headers.Add("Origin", "https://app.element.io");
        var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.False(string.IsNullOrEmpty(body["m.homeserver"]!["base_url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Server_well_known_is_absent_without_a_federation_listener()
    {
        var response = await _server.Http.GetAsync("/.well-known/matrix/server");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Health_answers_ok()
    {
        var response = await _server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_matrix_path_is_404_unrecognized()
    {
        var response = await _server.Http.GetAsync("/_matrix/client/v3/no/such/endpoint");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("M_UNRECOGNIZED", body["errcode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_method_is_405_unrecognized()
    {
        var response = await _server.Http.DeleteAsync("/_matrix/client/versions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("M_UNRECOGNIZED", body["errcode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cors_preflight_is_answered()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/_matrix/client/v3/sync");
        request.Headers.Add("Origin", "https://app.element.io");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        var response = await _server.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }
}
