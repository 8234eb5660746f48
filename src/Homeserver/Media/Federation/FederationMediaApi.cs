using FluentValidation;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Downloads;
using Mediator;

namespace Matrix.Homeserver.Media.Federation;

/// <summary>
/// The serving side of federation media: other servers fetch our users' media here, as
/// multipart/mixed. Only local media is served (never re-served remote copies), and never with a redirect.
/// </summary>
public static class FederationMediaApi
{
    public static IEndpointRouteBuilder MapFederationMediaApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/federation/v1/media");
        group.MapGet("/download/{mediaId}", async (string mediaId, [AsParameters] DownloadParameters query, [AsParameters] FederationMediaServices services) =>
        {
            var (key, access) = await AuthorizeAsync(mediaId, query, services);
            var content = await services.Mediator.Send(new GetMedia(key, access), services.Context.RequestAborted);
            return new MultipartMediaResult(content, forceInline: false);
        });
        group.MapGet("/thumbnail/{mediaId}", async (string mediaId, [AsParameters] DownloadParameters query, [AsParameters] ThumbnailParameters thumbnail, IValidator<ThumbnailParameters> validator, [AsParameters] FederationMediaServices services) =>
        {
            var (key, access) = await AuthorizeAsync(mediaId, query, services);
            JsonBody.ThrowIfInvalid(validator.Validate(thumbnail));
            var content = await services.Mediator.Send(new GetThumbnail(key, access, thumbnail.ToRequest()), services.Context.RequestAborted);
            return new MultipartMediaResult(content, forceInline: true);
        });
        return app;
    }

    public sealed record FederationMediaServices(
        HttpContext Context,
        IFederationRequestAuthenticator Authenticator,
        IValidator<DownloadParameters> DownloadValidator,
        IMediator Mediator,
        HomeserverOptions Options);

    /// <summary>Authenticates the calling server first, then validates the request.</summary>
    private static async Task<(MediaKey Key, MediaAccess Access)> AuthorizeAsync(string mediaId, DownloadParameters query, FederationMediaServices services)
    {
        await services.Authenticator.AuthenticateAsync(services.Context.Request, services.Context.RequestAborted);
        var key = MediaKey.FromRequest(services.Options.ServerName, mediaId);
        JsonBody.ThrowIfInvalid(services.DownloadValidator.Validate(query));
        return (key, query.ToAccess(legacy: false) with { AllowRemote = false });
    }
}
