using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Tests.Events;
using Matrix.Federation.Transport;
using Matrix.Federation.Transport.Client;
using Matrix.Federation.Transport.Discovery;
using Matrix.Federation.Transport.Security;

namespace Matrix.Federation.Tests.Transport;

public sealed class FederationClientTests : IDisposable
{
    private readonly SigningKey _key = SigningKey.Generate("k1");
    private readonly FakeDns _dns = new();
    private readonly Dictionary<string, ServerTarget> _overrides = new() { ["remote.test"] = new ServerTarget("203.0.113.5", 8448) };

    public void Dispose() => _key.Dispose();

    private FederationClient Client(HttpMessageHandler handler, FederationDomainPolicy? policy = null, bool enabled = true, int maxBytes = 1024,
        int timeoutSeconds = 5) =>
        new(new FederationClientOptions
        {
            OriginServerName = "origin.test",
            SigningKey = _key,
            Enabled = enabled,
            DomainPolicy = policy ?? FederationDomainPolicy.AllowAll,
            MaxResponseBytes = maxBytes,
            DefaultTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        }, new ServerNameResolver(_dns, new WellKnownResolver(new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.NotFound)), TimeProvider.System), _overrides), handler);

    [Fact]
    public async Task Requests_are_signed_and_sent_with_the_server_name_as_host()
    {
        var http = new FakeHttp(_ => FakeHttp.Json("""{"ok": true}"""));
        using var client = Client(http);
        var body = new JsonObject { ["pdus"] = new JsonArray() };
        var answer = await client.PutJsonAsync("remote.test", "/_matrix/federation/v1/send/" + FederationPath.Segment("t/1"), body);

        Assert.True(answer["ok"]!.GetValue<bool>());
        var request = Assert.Single(http.Requests);
        Assert.Equal("https://203.0.113.5:8448/_matrix/federation/v1/send/t%2F1", request.RequestUri!.ToString());
        Assert.Equal("remote.test", request.Headers.Host);

        var keys = new TestKeyLookup();
        keys.Add("origin.test", _key, validUntilTs: long.MaxValue);
        var verified = await RequestSigning.VerifyAsync(
            request.Headers.Authorization!.ToString(), "PUT", "/_matrix/federation/v1/send/t%2F1", "remote.test",
            JsonNode.Parse(http.Bodies[0]!), keys, 0);
        Assert.True(verified.IsValid, verified.Error.ToString());
        Assert.Equal("origin.test", verified.Origin);
    }

    [Fact]
    public async Task Error_answers_become_typed_exceptions()
    {
        using var client = Client(new FakeHttp(_ => FakeHttp.Json("""{"errcode": "M_FORBIDDEN", "error": "no"}""", HttpStatusCode.Forbidden)));
        var e = await Assert.ThrowsAsync<FederationHttpException>(() => client.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
        Assert.Equal((403, "M_FORBIDDEN", "no", "remote.test"), (e.StatusCode, e.ErrCode, e.Error, e.Destination));
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        var http = new FakeHttp(_ => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("https://elsewhere/") } });
        using var client = Client(http);
        var e = await Assert.ThrowsAsync<FederationHttpException>(() => client.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
        Assert.Equal(302, e.StatusCode);
        Assert.Single(http.Requests);
    }

    [Fact]
    public async Task Oversized_and_non_object_answers_are_refused()
    {
        using var big = Client(new FakeHttp(_ => FakeHttp.Json("{\"a\": \"" + new string('x', 2000) + "\"}")));
        await Assert.ThrowsAsync<FederationUnreachableException>(() => big.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
        using var array = Client(new FakeHttp(_ => FakeHttp.Json("[1]")));
        await Assert.ThrowsAsync<FederationUnreachableException>(() => array.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
    }

    [Fact]
    public async Task Disabled_federation_and_denied_domains_send_nothing()
    {
        var http = new FakeHttp(_ => FakeHttp.Json("{}"));
        using var disabled = Client(http, enabled: false);
        await Assert.ThrowsAsync<FederationRefusedException>(() => disabled.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
        using var denied = Client(http, new FederationDomainPolicy([], ["remote.test"]));
        await Assert.ThrowsAsync<FederationRefusedException>(() => denied.GetJsonAsync("remote.test", "/_matrix/federation/v1/x"));
        Assert.Empty(http.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("10.0.0.8")]
    [InlineData("169.254.169.254")]
    public async Task Names_resolving_to_non_public_addresses_are_refused_at_connect(string address)
    {
        _dns.Addresses["sneaky.example"] = [IPAddress.Parse(address)];
        // Generous connect and request bounds: the refusal comes before any connection, but a loaded machine (the whole
        // suite in CI) once took over 2 s, and once over 5 s, to get there, and the timeout's "unreachable" then stood in
        // for the refusal.
        using var handler = FederationHttpHandler.Create(new GuardedConnector(_dns, allowPrivateAddresses: false), null, TimeSpan.FromSeconds(15));
        using var client = Client(handler, timeoutSeconds: 20);
        await Assert.ThrowsAsync<FederationRefusedException>(() => client.GetJsonAsync("sneaky.example:8448", "/_matrix/federation/v1/version"));
        Assert.Contains("A sneaky.example", _dns.Questions);
    }

    [Fact]
    public async Task Allowing_private_addresses_lets_the_connection_through()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        _dns.Addresses["local.example"] = [IPAddress.Loopback];
        // Generous bounds: on a loaded machine (CI runs suites side by side) 2 s ran out before the TLS failure came back.
        using var handler = FederationHttpHandler.Create(new GuardedConnector(_dns, allowPrivateAddresses: true), null, TimeSpan.FromSeconds(15));
        using var client = Client(handler);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // The TCP connection is made (then TLS fails on this plain socket): the address was not refused.
        var request = client.GetJsonAsync($"local.example:{port}", "/_matrix/federation/v1/version", cancellationToken: timeout.Token);
        using var socket = await accepted.WaitAsync(TimeSpan.FromSeconds(15));
        socket.Close();
        await Assert.ThrowsAsync<FederationUnreachableException>(() => request);
    }

    [Fact]
    public void Query_strings_are_escaped()
    {
        Assert.Equal("/_matrix/x?a=1&b=%26%3D&b=2", FederationPath.WithQuery("/_matrix/x", [new("a", "1"), new("b", "&="), new("c", null), new("b", "2")]));
    }
}
