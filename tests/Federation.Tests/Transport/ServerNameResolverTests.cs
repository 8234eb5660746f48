using System.Net;
using Matrix.Federation.Transport.Discovery;

namespace Matrix.Federation.Tests.Transport;

/// <summary>The spec's resolution steps, each with its Host header (and so TLS name) and targets.</summary>
public sealed class ServerNameResolverTests
{
    private readonly FakeDns _dns = new();
    private readonly Dictionary<string, string> _wellKnown = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ServerTarget> _overrides = new(StringComparer.OrdinalIgnoreCase);
    private readonly FakeHttp _http;

    public ServerNameResolverTests() =>
        _http = new FakeHttp(r => _wellKnown.TryGetValue(r.RequestUri!.Host, out var json) ? FakeHttp.Json(json) : new HttpResponseMessage(HttpStatusCode.NotFound));

    private Task<ResolvedServer> Resolve(string name) =>
        new ServerNameResolver(_dns, new WellKnownResolver(_http, TimeProvider.System), _overrides).ResolveAsync(name, default);

    private static void AssertResolved(ResolvedServer server, string hostHeader, params string[] targets)
    {
        Assert.Equal(hostHeader, server.HostHeader);
        Assert.Equal(targets, server.Targets.Select(t => t.ToString()));
    }

    [Theory]
    [InlineData("1.2.3.4", "1.2.3.4", "1.2.3.4:8448")]
    [InlineData("1.2.3.4:1234", "1.2.3.4:1234", "1.2.3.4:1234")]
    [InlineData("[2001:db8::1]", "[2001:db8::1]", "[2001:db8::1]:8448")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]:443", "[2001:db8::1]:443")]
    [InlineData("example.org:8449", "example.org:8449", "example.org:8449")]
    public async Task Ip_literals_and_explicit_ports_need_no_lookup(string name, string host, string target)
    {
        AssertResolved(await Resolve(name), host, target);
        Assert.Empty(_http.Requests);
        Assert.Empty(_dns.Questions);
    }

    [Fact]
    public async Task Well_known_delegation_to_an_ip_literal()
    {
        _wellKnown["example.org"] = """{"m.server": "5.6.7.8:9000"}""";
        AssertResolved(await Resolve("example.org"), "5.6.7.8:9000", "5.6.7.8:9000");
        _wellKnown["ip.example"] = """{"m.server": "5.6.7.8"}""";
        AssertResolved(await Resolve("ip.example"), "5.6.7.8", "5.6.7.8:8448");
    }

    [Fact]
    public async Task Well_known_delegation_to_a_name_with_port()
    {
        _wellKnown["example.org"] = """{"m.server": "matrix.example.org:443"}""";
        AssertResolved(await Resolve("example.org"), "matrix.example.org:443", "matrix.example.org:443");
        Assert.Empty(_dns.Questions);
    }

    [Fact]
    public async Task Well_known_delegation_to_a_name_uses_its_srv_records()
    {
        _wellKnown["example.org"] = """{"m.server": "matrix.example.org"}""";
        _dns.Srv["_matrix-fed._tcp.matrix.example.org"] = [new SrvRecord(10, 0, 8443, "fed.example.net")];
        AssertResolved(await Resolve("example.org"), "matrix.example.org", "fed.example.net:8443");
    }

    [Fact]
    public async Task Well_known_delegation_falls_back_to_the_deprecated_srv_then_8448()
    {
        _wellKnown["example.org"] = """{"m.server": "matrix.example.org"}""";
        _dns.Srv["_matrix._tcp.matrix.example.org"] = [new SrvRecord(10, 0, 8443, "old.example.net")];
        AssertResolved(await Resolve("example.org"), "matrix.example.org", "old.example.net:8443");

        _wellKnown["other.org"] = """{"m.server": "matrix.other.org"}""";
        AssertResolved(await Resolve("other.org"), "matrix.other.org", "matrix.other.org:8448");
        Assert.Equal(["SRV _matrix-fed._tcp.matrix.other.org", "SRV _matrix._tcp.matrix.other.org"], _dns.Questions.TakeLast(2));
    }

    [Fact]
    public async Task Without_well_known_the_server_name_srv_records_are_used_with_its_host_header()
    {
        _dns.Srv["_matrix-fed._tcp.example.org"] = [new SrvRecord(20, 0, 1, "backup.example.org"), new SrvRecord(10, 0, 8448, "primary.example.org")];
        AssertResolved(await Resolve("example.org"), "example.org", "primary.example.org:8448", "backup.example.org:1");
    }

    [Fact]
    public async Task Without_well_known_the_deprecated_srv_then_port_8448()
    {
        _dns.Srv["_matrix._tcp.old.org"] = [new SrvRecord(10, 0, 8000, "hs.old.org")];
        AssertResolved(await Resolve("old.org"), "old.org", "hs.old.org:8000");
        AssertResolved(await Resolve("plain.org"), "plain.org", "plain.org:8448");
    }

    [Fact]
    public async Task An_srv_target_of_dot_means_no_service()
    {
        _dns.Srv["_matrix-fed._tcp.none.org"] = [new SrvRecord(0, 0, 0, ".")];
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve("none.org"));
    }

    [Fact]
    public async Task Dns_failures_fail_resolution()
    {
        _dns.Failing.Add("_matrix-fed._tcp.broken.org");
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve("broken.org"));
    }

    [Fact]
    public async Task Invalid_names_are_refused()
    {
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve("not a name"));
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve("example.org:99999"));
        // Allowed by the grammar, but no host: refused before any lookup (a URI for it threw before).
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve("not..a..server"));
        await Assert.ThrowsAsync<ServerDiscoveryException>(() => Resolve(".example.org"));
    }

    [Fact]
    public async Task Overrides_skip_discovery()
    {
        _overrides["hs1.test"] = new ServerTarget("127.0.0.1", 9448);
        var server = await Resolve("hs1.test");
        AssertResolved(server, "hs1.test", "127.0.0.1:9448");
        Assert.True(server.IsOverride);
        Assert.Empty(_http.Requests);
    }

    [Fact]
    public void Srv_records_are_ordered_by_priority_then_weight()
    {
        SrvRecord[] records = [new(2, 0, 1, "c"), new(1, 1, 1, "a"), new(1, 1000, 1, "b")];
        var firsts = Enumerable.Range(0, 200).Select(i => SrvRecordOrder.Sort(records, new Random(i))).ToList();
        Assert.All(firsts, order => Assert.Equal("c", order[2].Target));
        Assert.True(firsts.Count(o => o[0].Target == "b") > 150, "the heavier record comes first most of the time");
    }

    [Theory]
    [InlineData("127.0.0.1:8448", "127.0.0.1", 8448)]
    [InlineData("[::1]:443", "::1", 443)]
    [InlineData("localhost:1", "localhost", 1)]
    public void Targets_parse(string text, string host, int port)
    {
        Assert.True(ServerTarget.TryParse(text, out var target));
        Assert.Equal(new ServerTarget(host, port), target);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("host:0")]
    [InlineData("::1:80")]
    [InlineData(":80")]
    public void Bad_targets_do_not_parse(string text) => Assert.False(ServerTarget.TryParse(text, out _));
}
