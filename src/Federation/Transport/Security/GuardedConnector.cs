using System.Net;
using System.Net.Sockets;
using Matrix.Federation.Transport.Discovery;

namespace Matrix.Federation.Transport.Security;

/// <summary>We refused to connect: every address of the host is loopback, private or otherwise not public.</summary>
public sealed class BlockedAddressException(string host) : Exception($"refused to connect to {host}: not a public address");

/// <summary>
/// The ConnectCallback of every outbound federation connection: it resolves the host itself and checks each
/// address against <see cref="AddressPolicy"/> right before connecting, so a DNS answer that changes between
/// discovery and connect (rebinding) cannot lead us to a private address. The AllowPrivateAddresses setting
/// lifts the check, and so does <see cref="AllowPrivate"/> on the request (set for resolver-override targets):
/// connections are pooled per URI authority and Host header, so a request for another server name never
/// reuses a connection opened under that exemption.
/// </summary>
public sealed class GuardedConnector(IDnsResolver dns, bool allowPrivateAddresses)
{
    /// <summary>Request option: this request's target came from the resolver overrides.</summary>
    public static readonly HttpRequestOptionsKey<bool> AllowPrivate = new("Matrix.Federation.AllowPrivate");

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var exempt = allowPrivateAddresses || (context.InitialRequestMessage.Options.TryGetValue(AllowPrivate, out var allow) && allow);
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await ResolveAsync(host, cancellationToken);
        var allowed = exempt ? addresses : [.. addresses.Where(AddressPolicy.IsAllowed)];
        if (allowed.Count == 0)
        {
            throw addresses.Count == 0 ? new SocketException((int)SocketError.HostNotFound) : new BlockedAddressException(host);
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
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

    private async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await dns.ResolveAddressesAsync(host, cancellationToken);
        }
        catch (DnsLookupException e)
        {
            throw new SocketException((int)SocketError.TryAgain, e.Message);
        }
    }
}
