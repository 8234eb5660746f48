using System.Net;
using System.Net.Sockets;

namespace Matrix.Federation.Transport.Security;

/// <summary>
/// Which IP addresses outbound federation may connect to: public unicast only. Refused: loopback, private
/// (RFC 1918, unique local), link-local, CGNAT, multicast, unspecified, broadcast, reserved and documentation
/// ranges, and the IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) when the
/// embedded address is refused. Same spirit as Synapse's default ip_range_blacklist.
/// </summary>
public static class AddressPolicy
{
    private static readonly (IPAddress Network, int Prefix)[] BlockedV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8),        // "this network", unspecified
        (IPAddress.Parse("10.0.0.0"), 8),       // private
        (IPAddress.Parse("100.64.0.0"), 10),    // CGNAT
        (IPAddress.Parse("127.0.0.0"), 8),      // loopback
        (IPAddress.Parse("169.254.0.0"), 16),   // link-local
        (IPAddress.Parse("172.16.0.0"), 12),    // private
        (IPAddress.Parse("192.0.0.0"), 24),     // IETF protocol assignments
        (IPAddress.Parse("192.0.2.0"), 24),     // documentation
        (IPAddress.Parse("192.88.99.0"), 24),   // 6to4 relay anycast
        (IPAddress.Parse("192.168.0.0"), 16),   // private
        (IPAddress.Parse("198.18.0.0"), 15),    // benchmarking
        (IPAddress.Parse("198.51.100.0"), 24),  // documentation
        (IPAddress.Parse("203.0.113.0"), 24),   // documentation
        (IPAddress.Parse("224.0.0.0"), 4),      // multicast
        (IPAddress.Parse("240.0.0.0"), 4),      // reserved, broadcast
    ];

    private static readonly (IPAddress Network, int Prefix)[] BlockedV6 =
    [
        (IPAddress.Parse("::"), 128),           // unspecified
        (IPAddress.Parse("::1"), 128),          // loopback
        (IPAddress.Parse("64:ff9b:1::"), 48),   // local-use NAT64
        (IPAddress.Parse("100::"), 64),         // discard
        (IPAddress.Parse("2001::"), 32),        // Teredo (embeds an obfuscated IPv4 address)
        (IPAddress.Parse("2001:db8::"), 32),    // documentation
        (IPAddress.Parse("fc00::"), 7),         // unique local
        (IPAddress.Parse("fe80::"), 10),        // link-local
        (IPAddress.Parse("fec0::"), 10),        // site-local (deprecated)
        (IPAddress.Parse("ff00::"), 8),         // multicast
    ];

    private static readonly (IPAddress Network, int Prefix) Nat64 = (IPAddress.Parse("64:ff9b::"), 96);
    private static readonly (IPAddress Network, int Prefix) SixToFour = (IPAddress.Parse("2002::"), 16);
    private static readonly (IPAddress Network, int Prefix) V4Compatible = (IPAddress.Parse("::"), 96);

    /// <summary>Whether federation may connect to this address.</summary>
    public static bool IsAllowed(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return !BlockedV4.Any(r => InRange(address, r));
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;

        if (address.IsIPv4MappedToIPv6) return IsAllowed(address.MapToIPv4());
        var bytes = address.GetAddressBytes();
        if (InRange(address, Nat64) || InRange(address, V4Compatible)) return IsAllowed(new IPAddress(bytes.AsSpan(12, 4)));
        if (InRange(address, SixToFour)) return IsAllowed(new IPAddress(bytes.AsSpan(2, 4)));
        return !BlockedV6.Any(r => InRange(address, r));
    }

    private static bool InRange(IPAddress address, (IPAddress Network, int Prefix) range)
    {
        if (address.AddressFamily != range.Network.AddressFamily) return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        range.Network.TryWriteBytes(n, out _);
        var full = range.Prefix / 8;
        if (!a[..full].SequenceEqual(n[..full])) return false;
        var rest = range.Prefix % 8;
        if (rest == 0 || full >= length) return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[full] & mask) == (n[full] & mask);
    }
}
