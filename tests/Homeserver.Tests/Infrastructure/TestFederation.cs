using System.Net;
using System.Net.Sockets;
using Matrix.Crypto;
using Microsoft.AspNetCore.Builder;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// Several homeservers in this process, each with its own server name (hs1.test, ...), an https federation
/// listener on loopback with a certificate from a test CA, and resolver overrides naming each other's
/// listener, so they federate exactly as over the internet, minus DNS.
/// </summary>
public sealed class TestFederation : IAsyncDisposable
{
    private readonly Dictionary<string, TestHomeserver> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VerifyKey> _keys = new(StringComparer.Ordinal);
    private readonly TestCertificateAuthority _ca;
    private readonly string _directory;

    private TestFederation(string directory)
    {
        _directory = directory;
        _ca = new TestCertificateAuthority(directory);
    }

    public TestHomeserver this[string serverName] => _servers[serverName];
    public string CaPath => _ca.CaPath;

    public int FederationPort(string serverName) => _ports[serverName];

    /// <summary>The server's current signing key, known before it starts (the key files are written first).</summary>
    public VerifyKey VerifyKey(string serverName) => _keys[serverName];

    public SigningKeyId KeyId(string serverName) => new(SigningKeyId.Ed25519, Version(serverName));

    /// <summary>A certificate from the test CA, for a hand-made server the homeservers should trust.</summary>
    public (string CertificatePath, string KeyPath) IssueCertificate(string serverName) => _ca.Issue(serverName);

    /// <param name="configure">Extra settings per server name.</param>
    /// <param name="mapTestEndpoints">Test-only endpoints added to every server.</param>
    public static async Task<TestFederation> StartAsync(
        IReadOnlyList<string> serverNames, Action<string, TestFederation, IDictionary<string, string?>>? configure = null, Action<WebApplication>? mapTestEndpoints = null)
    {
        var federation = new TestFederation(Directory.CreateTempSubdirectory("hs-federation-").FullName);
        try
        {
            foreach (var name in serverNames)
            {
                federation._ports[name] = FreePort();
                using var key = SigningKey.Generate(Version(name));
                SigningKeyFile.Write(federation.KeyPath(name), [key]);
                federation._keys[name] = key.VerifyKey;
            }

            foreach (var name in serverNames)
            {
                var (certificate, privateKey) = federation._ca.Issue(name);
                federation._servers[name] = await TestHomeserver.StartAsync(settings =>
                {
                    settings["Homeserver:SigningKeyPath"] = federation.KeyPath(name);
                    settings["Homeserver:Listeners:Federation:Url"] = $"https://127.0.0.1:{federation._ports[name]}";
                    settings["Homeserver:Listeners:Federation:CertificatePath"] = certificate;
                    settings["Homeserver:Listeners:Federation:CertificateKeyPath"] = privateKey;
                    settings["Homeserver:Federation:TrustedCaPath"] = federation.CaPath;
                    foreach (var other in serverNames)
                    {
                        settings[$"Homeserver:Federation:ResolverOverrides:{other}"] = $"127.0.0.1:{federation._ports[other]}";
                    }

                    configure?.Invoke(name, federation, settings);
                }, name, mapTestEndpoints: mapTestEndpoints);
            }

            return federation;
        }
        catch
        {
            await federation.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client to a server's federation listener that trusts the test CA and sends the right SNI.</summary>
    public HttpClient FederationHttp(string serverName)
    {
        var ca = Matrix.Federation.Transport.Security.TlsTrust.LoadPem(CaPath);
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = Matrix.Federation.Transport.Security.TlsTrust.Create(ca) } };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_ports[serverName]}"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Host = serverName;
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values) await server.DisposeAsync();
        _ca.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private string KeyPath(string serverName) => Path.Combine(_directory, $"{serverName}.signing.key");

    private static string Version(string serverName) => "k_" + serverName.Replace('.', '_').Replace(':', '_');

    /// <summary>
    /// A loopback port nothing listens on (right now), below the kernel's ephemeral range: a port from that
    /// range (what binding port 0 hands out) can be taken by any outgoing connection, say to PostgreSQL,
    /// before the server that was given it binds it.
    /// </summary>
    public static int FreePort()
    {
        var (low, high) = (20_000, EphemeralLow());
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        throw new InvalidOperationException($"No free loopback port in {low}-{high}.");
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 when it cannot be read).</summary>
    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var low && low > 21_000 ? low : 32_768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
