using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Transport.Discovery;

/// <summary>Discovery failed: the name is not a server name, DNS failed, or SRV says there is no service.</summary>
public sealed class ServerDiscoveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Turns a server name into where to connect and which Host header (and so TLS name) to use, following the
/// spec's steps exactly: IP literal; explicit port; /.well-known/matrix/server delegation (whose target goes
/// through the IP, port and SRV steps again); SRV _matrix-fed._tcp then the deprecated _matrix._tcp; port 8448.
/// Names in the resolver overrides (tests only) skip discovery.
/// </summary>
public sealed class ServerNameResolver(IDnsResolver dns, WellKnownResolver wellKnown, IReadOnlyDictionary<string, ServerTarget> overrides)
{
    public const int DefaultPort = 8448;

    /// <exception cref="ServerDiscoveryException"/>
    public async Task<ResolvedServer> ResolveAsync(string serverName, CancellationToken cancellationToken)
    {
        if (overrides.TryGetValue(serverName, out var overridden)) return new ResolvedServer(serverName, serverName, [overridden], IsOverride: true);
        if (!ServerName.TryParse(serverName, out var name, out var error)) throw new ServerDiscoveryException($"'{serverName}' is not a server name: {error}");
        // The grammar lets a DNS name have empty labels ("a..b", ".a"); no such host can be reached (nor put in a URI).
        if (!name.IsIpLiteral && Uri.CheckHostName(name.Host) != UriHostNameType.Dns) throw new ServerDiscoveryException($"'{serverName}' names no reachable host");

        // Steps 1 and 2: the name says where to go; the Host header is the server name itself.
        if (Direct(name) is { } direct) return new ResolvedServer(serverName, serverName, [direct]);

        // Step 3: delegation. The delegated name's host is then what the certificate must match.
        if (await wellKnown.GetDelegatedServerAsync(name.Host, cancellationToken) is { } delegatedText)
        {
            var delegated = ServerName.Parse(delegatedText);
            if (Direct(delegated) is { } target) return new ResolvedServer(serverName, delegatedText, [target]);
            return new ResolvedServer(serverName, delegated.Host, await SrvOrDefaultAsync(delegated.Host, cancellationToken));
        }

        // Steps 4 to 6.
        return new ResolvedServer(serverName, name.Host, await SrvOrDefaultAsync(name.Host, cancellationToken));
    }

    /// <summary>An IP literal (with its port or 8448), or a DNS name with an explicit port; otherwise null.</summary>
    private static ServerTarget? Direct(ServerName name) =>
        name.IsIpLiteral ? new ServerTarget(name.Host.Trim('[', ']'), name.Port ?? DefaultPort)
        : name.Port is { } port ? new ServerTarget(name.Host, port)
        : null;

    private async Task<IReadOnlyList<ServerTarget>> SrvOrDefaultAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            var records = await dns.ResolveSrvAsync($"_matrix-fed._tcp.{host}", cancellationToken);
            if (records.Count == 0) records = await dns.ResolveSrvAsync($"_matrix._tcp.{host}", cancellationToken);
            if (records.Count == 0) return [new ServerTarget(host, DefaultPort)];

            // RFC 2782: a single record whose target is "." says the service is decidedly not available.
            if (records is [{ Target: "" or "." }]) throw new ServerDiscoveryException($"{host} publishes no federation service (SRV target \".\")");
            return [.. SrvRecordOrder.Sort(records.Where(r => r.Target is not ("" or "."))).Select(r => new ServerTarget(r.Target, r.Port))];
        }
        catch (DnsLookupException e)
        {
            throw new ServerDiscoveryException($"DNS lookup for {host} failed", e);
        }
    }
}
