using Matrix.Homeserver.Media.Federation;
using Matrix.Homeserver.Media.Remote;

namespace Matrix.Homeserver.FederationApi.Media;

public static class FederationMediaServices
{
    /// <summary>
    /// Media over federation: X-Matrix authentication of the media feature's federation endpoints and downloads of
    /// other servers' media, registered before the media feature so they replace its placeholders.
    /// </summary>
    public static IServiceCollection AddFederationMedia(this IServiceCollection services)
    {
        services.AddSingleton<IFederationRequestAuthenticator, FederationMediaAuthenticator>();
        services.AddSingleton<IRemoteMediaFetcher, FederationMediaFetcher>();
        return services;
    }
}
