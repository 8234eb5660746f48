using System.Net;
using System.Net.Sockets;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>
/// Which addresses a pusher may connect to: public unicast only. Refused: loopback, private (RFC 1918,
/// unique local), link-local, CGNAT, multicast, unspecified, broadcast, reserved, benchmarking and
/// documentation ranges, and IPv6 forms embedding a refused IPv4 address (IPv4-mapped, IPv4-compatible,
/// NAT64, 6to4). Clients choose gateway URLs, so without this they could make the server probe its own network.
/// </summary>
public static class PushAddressPolicy
{
    private static readonly (IPAddress Network, int Prefix)[] RefusedV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8),
        (IPAddress.Parse("10.0.0.0"), 8),
        (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8),
        (IPAddress.Parse("169.254.0.0"), 16),
        (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24),
        (IPAddress.Parse("192.0.2.0"), 24),
        (IPAddress.Parse("192.88.99.0"), 24),
        (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15),
        (IPAddress.Parse("198.51.100.0"), 24),
        (IPAddress.Parse("203.0.113.0"), 24),
        (IPAddress.Parse("224.0.0.0"), 4),
        (IPAddress.Parse("240.0.0.0"), 4),
    ];

    private static readonly (IPAddress Network, int Prefix)[] RefusedV6 =
    [
        (IPAddress.Parse("::"), 128),
        (IPAddress.Parse("::1"), 128),
        (IPAddress.Parse("64:ff9b:1::"), 48),
        (IPAddress.Parse("100::"), 64),
        (IPAddress.Parse("2001::"), 32),
        (IPAddress.Parse("2001:db8::"), 32),
        (IPAddress.Parse("fc00::"), 7),
        (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("fec0::"), 10),
        (IPAddress.Parse("ff00::"), 8),
    ];

    private static readonly (IPAddress Network, int Prefix) Nat64 = (IPAddress.Parse("64:ff9b::"), 96);
    private static readonly (IPAddress Network, int Prefix) V4Compatible = (IPAddress.Parse("::"), 96);
    private static readonly (IPAddress Network, int Prefix) SixToFour = (IPAddress.Parse("2002::"), 16);

    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return !RefusedV4.Any(r => InRange(address, r));
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (address.IsIPv4MappedToIPv6) return IsPublic(address.MapToIPv4());
        var bytes = address.GetAddressBytes();
        if (InRange(address, Nat64) || InRange(address, V4Compatible)) return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
        if (InRange(address, SixToFour)) return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
        return !RefusedV6.Any(r => InRange(address, r));
    }

    private static bool InRange(IPAddress address, (IPAddress Network, int Prefix) range)
    {
        if (address.AddressFamily != range.Network.AddressFamily) return false;
        var a = address.GetAddressBytes();
        var n = range.Network.GetAddressBytes();
        var whole = range.Prefix / 8;
        if (!a.AsSpan(0, whole).SequenceEqual(n.AsSpan(0, whole))) return false;
        var bits = range.Prefix % 8;
        if (bits == 0) return true;
        var mask = (byte)(0xFF << (8 - bits));
        return (a[whole] & mask) == (n[whole] & mask);
    }
}
