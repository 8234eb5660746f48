using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Thumbnails;
using Matrix.Homeserver.Media.Uploads;
using Microsoft.Extensions.Caching.Memory;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>
/// GET /media/preview_url: fetches a page (or image) through the <see cref="GuardedHttpClient"/>,
/// following at most <see cref="MaxRedirects"/> redirects (each hop's address is checked again at
/// connect time), reads at most MaxPageBytes of HTML, and answers its OpenGraph data with og:image
/// re-hosted as local media. Answers are cached per URL for an hour.
/// </summary>
public sealed class UrlPreviewService : IDisposable
{
    public const int MaxRedirects = 5;
    private const int MaxUrlLength = 2048;
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(1);

    private readonly HttpClient _http;
    private readonly LocalMediaWriter _writer;
    private readonly UrlPreviewOptions _options;
    private readonly MediaFiles _files;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 1000 });
    private readonly SingleFlight<string, JsonObject> _previews = new();

    public UrlPreviewService(HomeserverOptions options, LocalMediaWriter writer, MediaFiles files)
    {
        _options = options.Media.UrlPreview;
        _writer = writer;
        _files = files;
        _http = GuardedHttpClient.Create(new NetworkGuard(_options), TimeSpan.FromSeconds(_options.TimeoutSeconds));
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("MatrixHomeserver-UrlPreview/1.0");
    }

    /// <exception cref="MatrixException">404 M_UNRECOGNIZED when disabled; 400 for a URL that is not http(s); 403 for a refused destination; 502 when the fetch fails.</exception>
    public async Task<JsonObject> PreviewAsync(string url, string requesterUserId, CancellationToken cancellationToken)
    {
        if (!_options.Enabled) throw MatrixException.Unrecognized();
        var uri = CheckUrl(url);
        var key = uri.AbsoluteUri;
        if (_cache.TryGetValue(key, out JsonObject? cached)) return (JsonObject)cached!.DeepClone();
        var preview = await _previews.RunAsync(key, async () =>
        {
            var fresh = await FetchPreviewAsync(uri, requesterUserId);
            _cache.Set(key, fresh, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheLifetime });
            return fresh;
        });
        return (JsonObject)preview.DeepClone();
    }

    public void Dispose()
    {
        _http.Dispose();
        _cache.Dispose();
    }

    private static Uri CheckUrl(string url)
    {
        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsHttp(uri))
        {
            throw MatrixException.InvalidParam("Only absolute http and https URLs can be previewed");
        }

        return uri;
    }

    private static bool IsHttp(Uri uri) => (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    // Shared by concurrent callers, so bounded by its own timeout rather than one caller's cancellation.
    private async Task<JsonObject> FetchPreviewAsync(Uri uri, string requesterUserId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            return await FetchPreviewAsync(uri, requesterUserId, timeout.Token);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            throw new MatrixException(502, ErrorCodes.Unknown, "Failed to fetch the URL");
        }
    }

    private async Task<JsonObject> FetchPreviewAsync(Uri uri, string requesterUserId, CancellationToken cancellationToken)
    {
        var (finalUri, response) = await GetFollowingRedirectsAsync(uri, cancellationToken);
        using (response)
        {
            var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
            if (mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            {
                var image = await StoreImageAsync(response, requesterUserId, cancellationToken);
                return image ?? throw new MatrixException(502, ErrorCodes.TooLarge, "Image is too large to preview");
            }

            if (mediaType is not ("text/html" or "application/xhtml+xml")) return [];
            var html = await ReadTextAsync(response, cancellationToken);
            var properties = OpenGraphParser.Parse(html);
            // The page's own og:image fields describe its URL; ours describe the re-hosted copy.
            var preview = new JsonObject();
            foreach (var (name, value) in properties.Where(p => !p.Key.StartsWith("og:image", StringComparison.Ordinal))) preview[name] = value;
            if (properties.TryGetValue("og:image", out var imageUrl))
            {
                if (await TryPreviewImageAsync(finalUri, imageUrl, requesterUserId, cancellationToken) is { } image)
                {
                    foreach (var (name, value) in image) preview[name] = value?.DeepClone();
                }
            }

            return preview;
        }
    }

    private async Task<(Uri Uri, HttpResponseMessage Response)> GetFollowingRedirectsAsync(Uri uri, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Accept.ParseAdd("text/html, application/xhtml+xml, image/*;q=0.9");
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is BlockedDestinationException || e.GetBaseException() is BlockedDestinationException)
            {
                throw MatrixException.Forbidden("The URL points to a destination that may not be previewed");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                throw new MatrixException(502, ErrorCodes.Unknown, "Failed to fetch the URL");
            }

            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects) throw new MatrixException(502, ErrorCodes.Unknown, "Too many redirects");
                uri = new Uri(uri, location);
                if (!IsHttp(uri)) throw new MatrixException(502, ErrorCodes.Unknown, "Redirected to a URL that is not http(s)");
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new MatrixException(502, ErrorCodes.Unknown, $"The URL answered {(int)response.StatusCode}");
            }

            return (uri, response);
        }
    }

    /// <summary>og:image, fetched and stored as local media; null when it cannot be (it is then left out).</summary>
    private async Task<JsonObject?> TryPreviewImageAsync(Uri page, string imageUrl, string requesterUserId, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(page, imageUrl, out var imageUri) || !IsHttp(imageUri)) return null;
        try
        {
            var (_, response) = await GetFollowingRedirectsAsync(imageUri, cancellationToken);
            using (response)
            {
                var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
                return mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                    ? await StoreImageAsync(response, requesterUserId, cancellationToken)
                    : null;
            }
        }
        catch (MatrixException)
        {
            return null;
        }
    }

    /// <returns>The og:image fields of the stored image, or null when it is over the upload limit.</returns>
    private async Task<JsonObject?> StoreImageAsync(HttpResponseMessage response, string requesterUserId, CancellationToken cancellationToken)
    {
        var contentType = response.Content.Headers.ContentType?.ToString();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        MediaKey key;
        long length;
        try
        {
            (key, length) = await _writer.StoreAsync(body, new UploadMetadata(contentType, null), requesterUserId, cancellationToken);
        }
        catch (MatrixException e) when (e.ErrCode == ErrorCodes.TooLarge)
        {
            return null;
        }

        var image = new JsonObject
        {
            ["og:image"] = key.MxcUri,
            ["og:image:type"] = MediaTypes.Normalize(contentType),
            ["matrix:image:size"] = length,
        };
        if (ImageThumbnailer.ReadHeader(_files.ContentPath(key)) is { } header)
        {
            image["og:image:width"] = header.Width;
            image["og:image:height"] = header.Height;
        }

        return image;
    }

    /// <summary>The first MaxPageBytes of the body, decoded with the declared charset (UTF-8 otherwise).</summary>
    private async Task<string> ReadTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[_options.MaxPageBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0) total += read;
        return EncodingOf(response.Content.Headers.ContentType).GetString(buffer, 0, total);
    }

    private static Encoding EncodingOf(MediaTypeHeaderValue? contentType)
    {
        try
        {
            return contentType?.CharSet is { Length: > 0 } charset ? Encoding.GetEncoding(charset.Trim('"')) : Encoding.UTF8;
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }
}
