using System.Net;
using System.Net.Sockets;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>The destination resolved only to addresses the <see cref="NetworkGuard"/> refuses.</summary>
public sealed class BlockedDestinationException(string host) : Exception($"Destination {host} is not allowed");

/// <summary>
/// The previewer's HTTP client. Every connection goes through <see cref="ConnectAsync"/>, which resolves
/// the host itself, checks every address, and connects to the checked address: a second DNS answer
/// (rebinding) or a redirect to an internal host never reaches a socket. No proxy, no cookies, no
/// automatic redirects (the caller follows them one hop at a time).
/// </summary>
public static class GuardedHttpClient
{
    public static HttpClient Create(NetworkGuard guard, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(guard, context.DnsEndPoint, cancellationToken),
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    private static async ValueTask<Stream> ConnectAsync(NetworkGuard guard, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var host = endPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        // A name with any refused address is refused whole, rather than guessing which one is meant.
        if (addresses.Length == 0 || !addresses.All(guard.IsAllowed)) throw new BlockedDestinationException(host);

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
