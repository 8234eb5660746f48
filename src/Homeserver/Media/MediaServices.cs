using Matrix.Homeserver.Media.Admin;
using Matrix.Homeserver.Media.Downloads;
using Matrix.Homeserver.Media.Federation;
using Matrix.Homeserver.Media.Preview;
using Matrix.Homeserver.Media.Remote;
using Matrix.Homeserver.Media.Thumbnails;
using Matrix.Homeserver.Media.Uploads;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Matrix.Homeserver.Media;

public static class MediaServices
{
    /// <summary>
    /// The content repository's services. The remote fetcher and the federation authenticator are
    /// placeholders (TryAdd): the federation feature supplies the real ones by registering its own
    /// (before this call, or after it: the last registration wins).
    /// </summary>
    public static IServiceCollection AddMedia(this IServiceCollection services)
    {
        services.AddSingleton<MediaFiles>();
        services.AddSingleton<UploadSignals>();
        services.AddSingleton<LocalMediaWriter>();
        services.AddSingleton<MediaLocator>();
        services.AddSingleton<RemoteMediaCache>();
        services.AddSingleton<ThumbnailService>();
        services.AddSingleton<UrlPreviewService>();
        services.TryAddSingleton<IRemoteMediaFetcher, UnavailableRemoteMediaFetcher>();
        services.TryAddSingleton<IFederationRequestAuthenticator, UnavailableFederationRequestAuthenticator>();
        services.AddSingleton<ExpiredUploadCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiredUploadCleanup>());
        return services;
    }

    /// <summary>Client, federation and admin media routes.</summary>
    public static IEndpointRouteBuilder MapMediaApis(this IEndpointRouteBuilder app)
    {
        app.MapMediaApi();
        app.MapFederationMediaApi();
        app.MapMediaAdminApi();
        return app;
    }
}
