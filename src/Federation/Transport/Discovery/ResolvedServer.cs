namespace Matrix.Federation.Transport.Discovery;

/// <summary>A host and port to open a connection to: an IP literal or a name resolved at connect time.</summary>
public readonly record struct ServerTarget(string Host, int Port)
{
    /// <summary>host:port, with IPv6 literals in brackets, as written in a URI authority.</summary>
    public override string ToString() => $"{UriHost(Host)}:{Port}";

    public static string UriHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    /// <summary>Reads "host:port" or "[v6]:port"; the port is required.</summary>
    public static bool TryParse(string? text, out ServerTarget target)
    {
        target = default;
        if (string.IsNullOrEmpty(text)) return false;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':', StringComparison.Ordinal)) return false;
        if (host.Length == 0) return false;
        target = new ServerTarget(host, port);
        return true;
    }
}

/// <summary>
/// Where and how to reach a server (server-server API "Resolving server names").
/// </summary>
/// <param name="ServerName">The destination server name as asked (used in X-Matrix, never changed by delegation).</param>
/// <param name="HostHeader">
/// The Host header to send. Its host part is also the TLS name: the SNI sent (unless an IP) and the name the
/// certificate must be valid for; .NET derives both from the Host header.
/// </param>
/// <param name="Targets">Where to connect, in the order to try them (several when SRV gives several).</param>
/// <param name="IsOverride">Came from the test-only resolver overrides.</param>
public sealed record ResolvedServer(string ServerName, string HostHeader, IReadOnlyList<ServerTarget> Targets, bool IsOverride = false);
