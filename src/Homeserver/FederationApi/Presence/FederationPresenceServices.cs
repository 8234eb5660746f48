using Matrix.Homeserver.FederationApi.Edus;

namespace Matrix.Homeserver.FederationApi.Presence;

public static class FederationPresenceServices
{
    /// <summary>Presence both ways: the m.presence handler for what other servers send, and the sender of our users' changes.</summary>
    public static IServiceCollection AddFederationPresence(this IServiceCollection services)
    {
        services.AddSingleton<PresenceFederationSender>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceFederationSender>());
        services.AddSingleton<IEduHandler, PresenceEduHandler>();
        return services;
    }
}
