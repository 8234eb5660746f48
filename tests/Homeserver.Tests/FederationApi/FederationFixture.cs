using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Matrix.Homeserver.Tests.FederationApi;

/// <summary>
/// hs1, hs2 and hs3 federating over loopback TLS. hs1 denies hs3.test; hs3 trusts hs1 as its key notary.
/// Every server has a test-only authenticated endpoint that echoes who called it and what it sent, and
/// <see cref="DownServer"/> resolves to a loopback port where nothing listens (no real DNS in tests).
/// </summary>
public sealed class FederationFixture : IAsyncLifetime
{
    public const string EchoPrefix = "/_matrix/federation/unstable/org.matrix.test";
    public const string DownServer = "down.test";

    private static readonly int DownPort = TestFederation.FreePort();

    public TestFederation Servers { get; private set; } = null!;

    public TestHomeserver Hs1 => Servers["hs1.test"];
    public TestHomeserver Hs2 => Servers["hs2.test"];
    public TestHomeserver Hs3 => Servers["hs3.test"];

    public async Task InitializeAsync() =>
        Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test", "hs3.test"], Configure, MapEcho);

    public async Task DisposeAsync() => await Servers.DisposeAsync();

    public static SigningKey SigningKeyOf(TestHomeserver server) => SignedRequests.SigningKeyOf(server);

    /// <summary>Sends a request to a server's federation listener with an X-Matrix header built by the caller.</summary>
    public Task<MatrixResponse> SendRawAsync(string to, HttpMethod method, string uri, JsonObject? body, string? authorization) =>
        Servers.SendRawAsync(to, method, uri, body, authorization);

    /// <summary>A correct X-Matrix header from <paramref name="origin"/>, optionally with another key or destination.</summary>
    public string Sign(string origin, string destination, HttpMethod method, string uri, JsonObject? body, SigningKey? key = null) =>
        Servers.Sign(origin, destination, method, uri, body, key);

    private static void Configure(string name, TestFederation federation, IDictionary<string, string?> settings)
    {
        settings[$"Homeserver:Federation:ResolverOverrides:{DownServer}"] = $"127.0.0.1:{DownPort}";
        if (name == "hs1.test") settings["Homeserver:Federation:DeniedDomains:0"] = "hs3.test";
        if (name == "hs3.test")
        {
            settings["Homeserver:Federation:TrustedKeyServers:0:ServerName"] = "hs1.test";
            settings["Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:KeyId"] = federation.KeyId("hs1.test").ToString();
            settings["Homeserver:Federation:TrustedKeyServers:0:VerifyKeys:0:Key"] = federation.VerifyKey("hs1.test").Base64;
        }
    }

    private static void MapEcho(WebApplication app)
    {
        var group = app.MapFederationGroup(EchoPrefix);
        group.MapMethods("/echo/{id}", ["GET", "PUT", "POST"], (string id, HttpRequest request, FederationRequester requester) =>
            Results.Json(new JsonObject
            {
                ["origin"] = requester.Origin,
                ["id"] = id,
                ["query"] = request.QueryString.Value,
                ["content"] = requester.Content?.DeepClone(),
            }));

        // Takes no FederationRequester: authenticated all the same, by being in a federation group.
        group.MapGet("/plain", () => Results.Json(new JsonObject { ["reached"] = true }));
    }
}

[CollectionDefinition(Name)]
public sealed class FederationCollection : ICollectionFixture<FederationFixture>
{
    public const string Name = "federation";
}
