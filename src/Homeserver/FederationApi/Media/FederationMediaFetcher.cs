using System.Net.Http.Headers;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Remote;
using Microsoft.AspNetCore.WebUtilities;

namespace Matrix.Homeserver.FederationApi.Media;

/// <summary>
/// Downloads another server's media over federation (GET /_matrix/federation/v1/media/download/{mediaId}, signed):
/// the answer is multipart/mixed, a JSON metadata part then the bytes with their own Content-Type and
/// Content-Disposition, streamed to the caller. A part that only redirects (Location) is not followed: like an origin
/// without the media, it is 404 to the client, as is any origin that cannot be asked or answers something else.
/// </summary>
public sealed class FederationMediaFetcher(FederationClient client, ILogger<FederationMediaFetcher> logger) : IRemoteMediaFetcher
{
    /// <summary>The metadata part and the headers of each part are small; anything longer is not a media answer.</summary>
    private const int MaxMetadataBytes = 64 * 1024;
    private const int MaxPartHeaderBytes = 16 * 1024;

    public async Task<RemoteMediaDownload> FetchAsync(string origin, string mediaId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = FederationPath.WithQuery($"/_matrix/federation/v1/media/download/{FederationPath.Segment(mediaId)}",
            [new("timeout_ms", ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        HttpResponseMessage response;
        try
        {
            response = await client.GetStreamAsync(origin, path, new FederationCallOptions(Timeout: timeout), cancellationToken);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not fetch media {MediaId} of {Origin}: {Reason}", mediaId, origin, e.Message);
            throw MatrixException.NotFound("Remote media not found");
        }

        try
        {
            var (contentType, fileName, body) = await MediaPartAsync(response, cancellationToken)
                ?? throw MatrixException.NotFound("Remote media not found");
            return new RemoteMediaDownload(contentType, fileName, new ResponseOwnedStream(body, response));
        }
        catch (Exception e)
        {
            response.Dispose();
            if (e is MatrixException) logger.LogInformation("Media {MediaId} of {Origin} came back in a form we do not take", mediaId, origin);
            throw;
        }
    }

    /// <summary>The second part of the answer, its body unread; null when the answer is not multipart media.</summary>
    private static async Task<(string ContentType, string? FileName, Stream Body)?> MediaPartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType is not { MediaType: "multipart/mixed" } type) return null;
        var boundary = type.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(boundary)) return null;

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new MultipartReader(boundary, stream) { HeadersLengthLimit = MaxPartHeaderBytes };
        var metadata = await reader.ReadNextSectionAsync(cancellationToken);
        if (metadata is null || !IsJson(metadata.ContentType)) return null;
        // The metadata says nothing yet (the spec defines no field); it is read, bounded, and dropped.
        var buffer = new byte[8192];
        var read = 0L;
        int count;
        while ((count = await metadata.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if ((read += count) > MaxMetadataBytes) return null;
        }

        var media = await reader.ReadNextSectionAsync(cancellationToken);
        if (media is null || media.Headers?.ContainsKey("Location") == true) return null;
        var fileName = ContentDispositionHeaderValue.TryParse(media.ContentDisposition, out var disposition)
            ? (disposition.FileNameStar ?? disposition.FileName)?.Trim('"')
            : null;
        return (media.ContentType ?? "application/octet-stream", string.IsNullOrEmpty(fileName) ? null : fileName, media.Body);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var type) && type.MediaType == "application/json";
}
