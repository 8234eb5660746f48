using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Federation.Transport.Discovery;
using Matrix.Federation.Transport.Security;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi.Acl;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Keys;
using Matrix.Homeserver.ServerKeys;

namespace Matrix.Homeserver.FederationApi;

public static class FederationServices
{
    /// <summary>
    /// Outbound transport (discovery, guarded connections, the signed <see cref="FederationClient"/>), key
    /// publishing and the remote key cache (<see cref="IServerKeyLookup"/>), inbound authentication and ACLs.
    /// Registered also when federation is disabled: the client then refuses every request.
    /// </summary>
    public static IServiceCollection AddFederationServices(this IServiceCollection services, HomeserverOptions options)
    {
        var federation = options.Federation;
        var overrides = federation.ResolverOverrides.ToDictionary(
            o => o.Key, o => ServerTarget.TryParse(o.Value, out var target) ? target : throw new ConfigurationException($"bad override {o.Key}"),
            StringComparer.OrdinalIgnoreCase);

        services.AddSingleton(new FederationDomainPolicy(federation.AllowedDomains, federation.DeniedDomains));
        services.AddSingleton<IDnsResolver, DnsResolver>();
        services.AddSingleton(sp => FederationHttpHandler.Create(
            new GuardedConnector(sp.GetRequiredService<IDnsResolver>(), federation.AllowPrivateAddresses),
            federation.TrustedCaPath is { } ca ? TlsTrust.LoadPem(ca) : null,
            connectTimeout: TimeSpan.FromSeconds(10)));
        services.AddSingleton(sp => new WellKnownResolver(sp.GetRequiredService<SocketsHttpHandler>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ServerNameResolver(sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<WellKnownResolver>(), overrides));
        services.AddSingleton(sp =>
        {
            var key = sp.GetRequiredService<ServerSigningKey>();
            var clientOptions = new FederationClientOptions
            {
                OriginServerName = key.ServerName,
                SigningKey = key.Key,
                Enabled = federation.Enabled,
                DomainPolicy = sp.GetRequiredService<FederationDomainPolicy>(),
                DefaultTimeout = TimeSpan.FromSeconds(federation.RequestTimeoutSeconds),
            };
            return new FederationClient(clientOptions, sp.GetRequiredService<ServerNameResolver>(), sp.GetRequiredService<SocketsHttpHandler>());
        });

        services.AddSingleton<LocalServerKeys>();
        services.AddSingleton<ServerKeyStore>();
        services.AddSingleton<ServerKeyFetcher>();
        services.AddSingleton<ServerKeyCache>();
        services.AddSingleton<IServerKeyLookup>(sp => sp.GetRequiredService<ServerKeyCache>());
        services.AddSingleton<KeyQueryService>();

        services.AddSingleton<ServerContactSignal>();
        services.AddSingleton<FederationAuthenticator>();
        services.AddSingleton<OriginRequestLimiter>();
        services.AddSingleton<ServerAclChecker>();
        return services;
    }
}
