using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Downloads;
using Matrix.Homeserver.Media.Preview;
using Matrix.Homeserver.Media.Uploads;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Media;

/// <summary>
/// The client content repository: authenticated /_matrix/client/v1/media/*, the legacy
/// /_matrix/media/v3/* paths (uploads still live there; legacy downloads are unauthenticated and do
/// not serve frozen media), and /_matrix/media/v1/create.
/// </summary>
public static class MediaApi
{
    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        var client = app.MapGroup("/_matrix/client/v1/media");
        client.MapGet("/config", (Requester _, HomeserverOptions options) => Config(options));
        client.MapGet("/preview_url", PreviewUrl);
        client.MapGet("/download/{serverName}/{mediaId}", (Requester _, string serverName, string mediaId, [AsParameters] DownloadParameters query, [AsParameters] DownloadServices services) =>
            Download(serverName, mediaId, null, query, legacy: false, services));
        client.MapGet("/download/{serverName}/{mediaId}/{fileName}", (Requester _, string serverName, string mediaId, string fileName, [AsParameters] DownloadParameters query, [AsParameters] DownloadServices services) =>
            Download(serverName, mediaId, fileName, query, legacy: false, services));
        client.MapGet("/thumbnail/{serverName}/{mediaId}", (Requester _, string serverName, string mediaId, [AsParameters] DownloadParameters query, [AsParameters] ThumbnailParameters thumbnail, [AsParameters] DownloadServices services) =>
            Thumbnail(serverName, mediaId, query, thumbnail, legacy: false, services));

        var legacy = app.MapGroup("/_matrix/media/v3");
        legacy.MapPost("/upload", Upload);
        legacy.MapPut("/upload/{serverName}/{mediaId}", UploadToCreated);
        legacy.MapGet("/config", (Requester _, HomeserverOptions options) => Config(options));
        legacy.MapGet("/preview_url", PreviewUrl);
        legacy.MapGet("/download/{serverName}/{mediaId}", (string serverName, string mediaId, [AsParameters] DownloadParameters query, [AsParameters] DownloadServices services) =>
            Download(serverName, mediaId, null, query, legacy: true, services));
        legacy.MapGet("/download/{serverName}/{mediaId}/{fileName}", (string serverName, string mediaId, string fileName, [AsParameters] DownloadParameters query, [AsParameters] DownloadServices services) =>
            Download(serverName, mediaId, fileName, query, legacy: true, services));
        legacy.MapGet("/thumbnail/{serverName}/{mediaId}", (string serverName, string mediaId, [AsParameters] DownloadParameters query, [AsParameters] ThumbnailParameters thumbnail, [AsParameters] DownloadServices services) =>
            Thumbnail(serverName, mediaId, query, thumbnail, legacy: true, services));

        app.MapPost("/_matrix/media/v1/create", Create);
        return app;
    }

    /// <summary>What every download handler needs, bundled so the route table stays readable.</summary>
    public sealed record DownloadServices(
        HttpContext Context,
        IMediator Mediator,
        IValidator<DownloadParameters> DownloadValidator,
        IValidator<ThumbnailParameters> ThumbnailValidator);

    private static IResult Config(HomeserverOptions options) =>
        Results.Json(new JsonObject { ["m.upload.size"] = options.Media.MaxUploadBytes });

    private static async Task<IResult> PreviewUrl(
        Requester requester, [FromQuery(Name = "url")] string? url, [FromQuery(Name = "ts")] string? ts,
        IMediator mediator, IValidator<PreviewParameters> validator, HomeserverOptions options, CancellationToken cancellationToken)
    {
        // Off by default: then the endpoint does not exist, as far as clients can tell.
        if (!options.Media.UrlPreview.Enabled) throw MatrixException.Unrecognized();
        var parameters = new PreviewParameters(url, ts);
        JsonBody.ThrowIfInvalid(validator.Validate(parameters));
        return Results.Json(await mediator.Send(new PreviewUrl(parameters.Url!, requester), cancellationToken));
    }

    private static async Task<IResult> Upload(
        HttpContext context, Requester requester, [FromQuery(Name = "filename")] string? fileName,
        IMediator mediator, HomeserverOptions options, IValidator<UploadMetadata> validator)
    {
        var metadata = new UploadMetadata(context.Request.ContentType, fileName);
        JsonBody.ThrowIfInvalid(validator.Validate(metadata));
        var body = UploadBody.Open(context, options.Media.MaxUploadBytes);
        var key = await mediator.Send(new UploadMedia(requester, body, metadata), context.RequestAborted);
        return Results.Json(new JsonObject { ["content_uri"] = key.MxcUri });
    }

    private static async Task<IResult> UploadToCreated(
        HttpContext context, Requester requester, string serverName, string mediaId, [FromQuery(Name = "filename")] string? fileName,
        IMediator mediator, HomeserverOptions options, IValidator<UploadMetadata> validator)
    {
        var key = MediaKey.FromRequest(serverName, mediaId);
        var metadata = new UploadMetadata(context.Request.ContentType, fileName);
        JsonBody.ThrowIfInvalid(validator.Validate(metadata));
        var body = UploadBody.Open(context, options.Media.MaxUploadBytes);
        await mediator.Send(new UploadPendingMedia(requester, key, body, metadata), context.RequestAborted);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> Create(Requester requester, IMediator mediator, CancellationToken cancellationToken)
    {
        var created = await mediator.Send(new CreateMedia(requester), cancellationToken);
        return Results.Json(new JsonObject { ["content_uri"] = created.Key.MxcUri, ["unused_expires_at"] = created.UnusedExpiresAt });
    }

    private static async Task<IResult> Download(string serverName, string mediaId, string? fileName, DownloadParameters query, bool legacy, DownloadServices services)
    {
        var key = MediaKey.FromRequest(serverName, mediaId);
        JsonBody.ThrowIfInvalid(services.DownloadValidator.Validate(query));
        var content = await services.Mediator.Send(new GetMedia(key, query.ToAccess(legacy)), services.Context.RequestAborted);
        if (fileName is not null) content = content with { FileName = fileName };
        return MediaResults.File(services.Context.Response, content, forceInline: false, shared: legacy);
    }

    private static async Task<IResult> Thumbnail(string serverName, string mediaId, DownloadParameters query, ThumbnailParameters thumbnail, bool legacy, DownloadServices services)
    {
        var key = MediaKey.FromRequest(serverName, mediaId);
        JsonBody.ThrowIfInvalid(services.DownloadValidator.Validate(query));
        JsonBody.ThrowIfInvalid(services.ThumbnailValidator.Validate(thumbnail));
        var content = await services.Mediator.Send(new GetThumbnail(key, query.ToAccess(legacy), thumbnail.ToRequest()), services.Context.RequestAborted);
        // Thumbnails are images of the safe list, and the spec requires them inline.
        return MediaResults.File(services.Context.Response, content, forceInline: true, shared: legacy);
    }
}
