using System.Net;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>
/// Which IP addresses the URL previewer may connect to: everything public, nothing loopback, private,
/// link-local, multicast, reserved or translated (IPv4-mapped/NAT64/6to4 IPv6 hide an IPv4 address
/// and are refused whole), except ranges the operator allows explicitly.
/// </summary>
public sealed class NetworkGuard(UrlPreviewOptions options)
{
    private static readonly IPNetwork[] Blocked = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
        "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    }.Select(n => IPNetwork.Parse(n))];

    private readonly IPNetwork[] _allowed = [.. options.AllowedNetworks.Select(n => IPNetwork.Parse(n))];

    public bool IsAllowed(IPAddress address)
    {
        // IPNetwork.Contains matches an IPv4-mapped address against IPv4 ranges; refuse the whole
        // mapped range first, so no allowed range can be reached through its IPv6 spelling.
        if (address.IsIPv4MappedToIPv6) return false;
        if (_allowed.Any(n => n.Contains(address))) return true;
        return !Blocked.Any(n => n.Contains(address));
    }
}
