using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Matrix.Federation.Identifiers;

public enum HostKind
{
    DnsName,
    IPv4,
    IPv6,
}

/// <summary>
/// A server name: <c>hostname [":" port]</c> where the host is a DNS name, a dotted-quad IPv4 literal or a
/// bracketed IPv6 literal. Compared case-sensitively, as the spec requires.
/// </summary>
public sealed record ServerName
{
    private static readonly SearchValues<char> DnsChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.");
    private static readonly SearchValues<char> Ipv6Chars = SearchValues.Create("0123456789ABCDEFabcdef:.");

    private ServerName(string value, string host, int? port, HostKind kind)
    {
        Value = value;
        Host = host;
        Port = port;
        Kind = kind;
    }

    /// <summary>The server name as written.</summary>
    public string Value { get; }

    /// <summary>The host without the port; IPv6 literals keep their brackets.</summary>
    public string Host { get; }

    public int? Port { get; }

    public HostKind Kind { get; }

    public bool IsIpLiteral => Kind != HostKind.DnsName;

    public override string ToString() => Value;

    public static ServerName Parse(string? value) =>
        TryParse(value, out var name, out var error) ? name : throw new IdentifierFormatException(error, "server name");

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out ServerName? name, out IdentifierError error)
    {
        name = null;
        error = Validate(value, out var hostLength, out var port, out var kind);
        if (error != IdentifierError.None) return false;
        name = new ServerName(value!, value![..hostLength], port, kind);
        return true;
    }

    public static bool IsValid(string? value) => Validate(value, out _, out _, out _) == IdentifierError.None;

    private static IdentifierError Validate(string? value, out int hostLength, out int? port, out HostKind kind)
    {
        hostLength = 0;
        port = null;
        kind = HostKind.DnsName;
        if (string.IsNullOrEmpty(value)) return IdentifierError.EmptyHost;

        IdentifierError error;
        if (value[0] == '[')
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return IdentifierError.InvalidIpv6Literal;
            hostLength = close + 1;
            kind = HostKind.IPv6;
            error = ValidateIpv6(value.AsSpan(1, close - 1));
        }
        else
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            hostLength = colon < 0 ? value.Length : colon;
            error = ValidateHost(value.AsSpan(0, hostLength), out kind);
        }

        return error != IdentifierError.None ? error : ValidatePort(value.AsSpan(hostLength), out port);
    }

    private static IdentifierError ValidateIpv6(ReadOnlySpan<char> address)
    {
        // The grammar's character set and length first: IPAddress would also take scope IDs and other forms.
        if (address.Length is < 2 or > 45 || address.ContainsAnyExcept(Ipv6Chars)) return IdentifierError.InvalidIpv6Literal;
        return IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? IdentifierError.None
            : IdentifierError.InvalidIpv6Literal;
    }

    private static IdentifierError ValidateHost(ReadOnlySpan<char> host, out HostKind kind)
    {
        kind = HostKind.DnsName;
        if (host.IsEmpty) return IdentifierError.EmptyHost;
        if (host.Length > 255) return IdentifierError.HostTooLong;
        if (host.ContainsAnyExcept(DnsChars)) return IdentifierError.InvalidHostCharacter;
        if (!LooksLikeDottedQuad(host)) return IdentifierError.None;

        kind = HostKind.IPv4;
        foreach (var part in host.Split('.'))
        {
            if (int.Parse(host[part], CultureInfo.InvariantCulture) > 255) return IdentifierError.InvalidIpv4Literal;
        }

        return IdentifierError.None;
    }

    // Four groups of 1–3 digits: the grammar's IPv4address. Such a host is an address, never a DNS name.
    private static bool LooksLikeDottedQuad(ReadOnlySpan<char> host)
    {
        var parts = 0;
        foreach (var part in host.Split('.'))
        {
            var text = host[part];
            if (text.Length is < 1 or > 3 || !char.IsAsciiDigit(text[0]) || text.ContainsAnyExceptInRange('0', '9')) return false;
            parts++;
        }

        return parts == 4;
    }

    private static IdentifierError ValidatePort(ReadOnlySpan<char> rest, out int? port)
    {
        port = null;
        if (rest.IsEmpty) return IdentifierError.None;
        var digits = rest[1..];
        if (rest[0] != ':' || digits.Length is < 1 or > 5 || digits.ContainsAnyExceptInRange('0', '9')) return IdentifierError.InvalidPort;
        var value = int.Parse(digits, CultureInfo.InvariantCulture);
        if (value is < 1 or > 65535) return IdentifierError.InvalidPort;
        port = value;
        return IdentifierError.None;
    }
}
