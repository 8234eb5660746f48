using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.AppServices;

/// <summary>The application services feature's services and routes, added by the host.</summary>
public static class AppServicesSetup
{
    /// <exception cref="ConfigurationException">A registration file is missing or wrong.</exception>
    public static IServiceCollection AddAppServices(this IServiceCollection services, HomeserverOptions options)
    {
        services.AddSingleton(AppServiceRegistry.Load(options));
        services.AddSingleton<AppServiceAuthenticator>();
        services.AddSingleton<AppServiceClient>();
        services.AddSingleton<AppServiceQueries>();
        services.AddSingleton<AppServiceThirdParty>();
        services.AddSingleton<AppServiceOutbox>();
        services.AddSingleton<AppServiceInterest>();
        services.AddSingleton<AppServiceCatchUp>();
        services.AddSingleton<AppServiceSender>();
        services.AddSingleton<AppServiceEphemeral>();
        services.AddHostedService(sp => sp.GetRequiredService<AppServiceSender>());
        return services;
    }
}
