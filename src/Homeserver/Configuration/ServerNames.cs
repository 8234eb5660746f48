using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Matrix.Homeserver.Configuration;

/// <summary>Server-name grammar check for settings (appendices, "Server Name").</summary>
internal static class ServerNames
{
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255) return false;
        string host = name;
        if (name.StartsWith('['))
        {
            var close = name.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = name[1..close];
            var rest = name[(close + 1)..];
            return IPAddress.TryParse(host, out var ip6) && ip6.AddressFamily == AddressFamily.InterNetworkV6
                && (rest.Length == 0 || (rest[0] == ':' && IsPort(rest[1..])));
        }

        var colon = name.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!IsPort(name[(colon + 1)..])) return false;
            host = name[..colon];
        }

        return host.Length > 0 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');
    }

    private static bool IsPort(string s) =>
        s.Length is > 0 and <= 5 && s.All(char.IsAsciiDigit)
        && int.Parse(s, CultureInfo.InvariantCulture) is > 0 and <= 65535;
}
