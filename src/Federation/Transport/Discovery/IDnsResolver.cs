using System.Net;

namespace Matrix.Federation.Transport.Discovery;

/// <summary>One SRV answer: where a service runs.</summary>
/// <param name="Target">The target host name, without the trailing dot; "." means "no service here".</param>
public sealed record SrvRecord(int Priority, int Weight, int Port, string Target);

/// <summary>The DNS questions server discovery asks; tests plug in a fake.</summary>
public interface IDnsResolver
{
    /// <summary>The SRV records of <paramref name="name"/> (e.g. _matrix-fed._tcp.example.org); empty when there are none.</summary>
    /// <exception cref="DnsLookupException">The lookup failed (timeout, server failure), as opposed to "no records".</exception>
    Task<IReadOnlyList<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken);

    /// <summary>The addresses of a host name (CNAME, AAAA and A); empty when it has none.</summary>
    /// <exception cref="DnsLookupException">The lookup failed.</exception>
    Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken);
}

/// <summary>A DNS lookup failed for another reason than the name having no such record.</summary>
public sealed class DnsLookupException(string message, Exception? inner = null) : Exception(message, inner);
