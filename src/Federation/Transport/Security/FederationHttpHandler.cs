using System.Security.Cryptography.X509Certificates;

namespace Matrix.Federation.Transport.Security;

/// <summary>The one way outbound federation connections are made: guarded connect, our TLS trust, no redirects, no proxy.</summary>
public static class FederationHttpHandler
{
    public static SocketsHttpHandler Create(GuardedConnector connector, X509Certificate2Collection? extraRoots, TimeSpan connectTimeout) => new()
    {
        ConnectCallback = connector.ConnectAsync,
        ConnectTimeout = connectTimeout,
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        MaxConnectionsPerServer = 16,
        SslOptions = { RemoteCertificateValidationCallback = TlsTrust.Create(extraRoots) },
    };
}
