using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace Matrix.Federation.Transport.Discovery;

/// <summary>
/// The real DNS: SRV through DnsClient (which caches answers for their TTL), addresses through the operating
/// system's resolver so /etc/hosts and the system's DNS settings apply as for any other program.
/// </summary>
public sealed class DnsResolver : IDnsResolver
{
    // Made at the first SRV lookup: building it reads the system's name servers, ~20 ms of a start-up that a server
    // without federation, or before its first partner, does not need.
    private readonly Lazy<LookupClient> _client = new(() => new LookupClient(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(5), Retries = 2 }));

    public async Task<IReadOnlyList<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.Value.QueryAsync(name, QueryType.SRV, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            throw new DnsLookupException($"SRV lookup of {name} failed: {e.Code}", e);
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new DnsLookupException($"SRV lookup of {name} failed: {response.ErrorMessage}");
        }

        return [.. response.Answers.SrvRecords().Select(r => new SrvRecord(r.Priority, r.Weight, r.Port, r.Target.Value.TrimEnd('.')))];
    }

    public async Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return [];
        }
        catch (SocketException e)
        {
            throw new DnsLookupException($"address lookup of {host} failed: {e.SocketErrorCode}", e);
        }
    }
}
