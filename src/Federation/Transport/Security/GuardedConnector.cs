using System.Net;
using System.Net.Sockets;
using Matrix.Federation.Transport.Discovery;

namespace Matrix.Federation.Transport.Security;

/// <summary>We refused to connect: every address of the host is loopback, private or otherwise not public.</summary>
public sealed class BlockedAddressException(string host) : Exception($"refused to connect to {host}: not a public address");

/// <summary>
/// The ConnectCallback of every outbound federation connection: it resolves the host itself and checks each
/// address against <see cref="AddressPolicy"/> right before connecting, so a DNS answer that changes between
/// discovery and connect (rebinding) cannot lead us to a private address. Override targets and the
/// AllowPrivateAddresses setting lift the check.
/// </summary>
public sealed class GuardedConnector(IDnsResolver dns, bool allowPrivateAddresses, IEnumerable<ServerTarget> exemptTargets)
{
    private readonly HashSet<ServerTarget> _exempt = [.. exemptTargets.Select(Normalize)];

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var exempt = allowPrivateAddresses || _exempt.Contains(Normalize(new ServerTarget(host, port)));
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

    private static ServerTarget Normalize(ServerTarget target) => target with { Host = target.Host.Trim('[', ']').ToLowerInvariant() };
}
