using Microsoft.Net.Http.Headers;

namespace Matrix.Homeserver.Media.Downloads;

/// <summary>Serves stored media with the headers that keep it from running as active content.</summary>
public static class MediaResults
{
    /// <summary>The spec's recommended policy for served content.</summary>
    public const string ContentSecurityPolicy =
        "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

    /// <summary>
    /// The file with Content-Disposition (inline only for safe types), CSP sandbox, nosniff, CORP and
    /// caching headers; Range and If-None-Match are answered by the framework's file result.
    /// </summary>
    /// <param name="shared">Whether shared caches may keep it (legacy unauthenticated paths); authenticated answers are private.</param>
    public static IResult File(HttpResponse response, MediaContent content, bool forceInline, bool shared)
    {
        var inline = forceInline || ContentDisposition.IsInlineSafe(content.ContentType);
        var headers = response.Headers;
        headers.ContentDisposition = ContentDisposition.Build(inline, content.FileName);
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        // Media never changes once stored, so a day of caching is safe.
        headers.CacheControl = shared ? "public, max-age=86400, s-maxage=86400, immutable" : "private, max-age=86400, immutable";
        var etag = content.Sha256 is { } hash ? new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(hash)}\"") : null;
        return Results.File(
            content.Path,
            content.ContentType,
            lastModified: DateTimeOffset.FromUnixTimeMilliseconds(content.Timestamp),
            entityTag: etag,
            enableRangeProcessing: true);
    }
}
