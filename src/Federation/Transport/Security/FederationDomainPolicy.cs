using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Transport.Security;

/// <summary>
/// Which servers we federate with, both ways: a server is refused when it matches a denied entry, or when an
/// allow list is given and it matches none of it (empty allow list: everyone). An entry is a server name
/// matched on its host, case-insensitively and whatever the port, or <c>*.example.org</c> for every subdomain.
/// </summary>
public sealed class FederationDomainPolicy
{
    public static readonly FederationDomainPolicy AllowAll = new([], []);

    private readonly string[] _allowed;
    private readonly string[] _denied;

    public FederationDomainPolicy(IEnumerable<string> allowed, IEnumerable<string> denied)
    {
        _allowed = [.. allowed.Select(Normalize)];
        _denied = [.. denied.Select(Normalize)];
    }

    public bool IsAllowed(string serverName)
    {
        if (!ServerName.TryParse(serverName, out var name, out _)) return false;
        var host = name.Host.ToLowerInvariant();
        if (_denied.Any(entry => Matches(entry, host))) return false;
        return _allowed.Length == 0 || _allowed.Any(entry => Matches(entry, host));
    }

    /// <summary>Whether a policy entry is well-formed: a server name, or "*." followed by one.</summary>
    public static bool IsValidEntry(string? entry) =>
        entry is not null && ServerName.IsValid(entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry);

    private static bool Matches(string entry, string host) =>
        entry.StartsWith("*.", StringComparison.Ordinal) ? host.EndsWith(entry[1..], StringComparison.Ordinal) : host == entry;

    // Ports are ignored: the entry's host part, lower-cased.
    private static string Normalize(string entry)
    {
        var wildcard = entry.StartsWith("*.", StringComparison.Ordinal);
        var host = ServerName.TryParse(wildcard ? entry[2..] : entry, out var name, out _) ? name.Host : entry;
        return (wildcard ? "*." : "") + host.ToLowerInvariant();
    }
}
