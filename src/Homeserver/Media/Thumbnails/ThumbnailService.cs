using System.Collections.Frozen;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Downloads;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;

namespace Matrix.Homeserver.Media.Thumbnails;

/// <summary>A client's thumbnail request after validation.</summary>
public sealed record ThumbnailRequest(int Width, int Height, ThumbnailMethod Method, bool? Animated);

/// <summary>
/// Answers thumbnail requests from the cache (disk + media_thumbnails), generating a missing size
/// once, however many requests ask for it at the same time. Generation is bounded: by file size and by
/// the pixel count in the image header (checked before decoding), and by one decode per core.
/// </summary>
public sealed class ThumbnailService(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    MediaFiles files,
    HomeserverOptions options,
    TimeProvider clock) : IDisposable
{
    private static readonly FrozenSet<string> ThumbnailableTypes =
        FrozenSet.Create(StringComparer.OrdinalIgnoreCase, "image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp");

    private readonly SingleFlight<(MediaKey, ThumbnailSize, string), MediaContent> _generating = new();
    private readonly SemaphoreSlim _decoders = new(Environment.ProcessorCount);

    /// <summary>The thumbnail of <paramref name="original"/> for the request, or the original itself when it is small enough.</summary>
    /// <exception cref="MatrixException">400 M_UNKNOWN when the content is not an image we thumbnail; 413 (local) or 502 (remote) M_TOO_LARGE.</exception>
    public async Task<MediaContent> GetAsync(MediaKey key, MediaContent original, ThumbnailRequest request, CancellationToken cancellationToken)
    {
        var mediaType = original.ContentType.Split(';')[0].Trim();
        if (!ThumbnailableTypes.Contains(mediaType)) throw CannotThumbnail();
        if (original.Length > options.Media.MaxThumbnailSourceBytes) throw TooLarge(key);
        var header = ImageThumbnailer.ReadHeader(original.Path) ?? throw CannotThumbnail();
        if ((long)header.Width * header.Height > options.Media.MaxThumbnailPixels) throw TooLarge(key);

        // An animation is passed through when asked for; otherwise the answer must be a still image.
        if (header.Animated && request.Animated == true) return AsThumbnail(original, mediaType);
        var plan = ThumbnailPlanner.Plan(header.Width, header.Height, request.Width, request.Height, request.Method, ThumbnailSize.Defaults)
            ?? (header.Animated ? ThumbnailPlanner.Whole(header.Width, header.Height, new ThumbnailSize(header.Width, header.Height, ThumbnailMethod.Scale)) : null);
        if (plan is null) return AsThumbnail(original, mediaType);

        var format = header.Format == SKEncodedImageFormat.Jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;
        var contentType = format == SKEncodedImageFormat.Jpeg ? "image/jpeg" : "image/png";
        var method = plan.Size.Method.ToString().ToLowerInvariant();
        var path = files.ThumbnailPath(key, $"{plan.Size.Width}x{plan.Size.Height}-{method}{Extension(contentType)}");

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var cached = await Rows(db, key, plan.Size, method, contentType).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
            if (cached is not null && File.Exists(path)) return Content(path, contentType, cached.SizeBytes, cached.CreatedTs);
        }

        // Generation is shared by concurrent callers, so one caller's cancellation must not abort it.
        return await _generating.RunAsync((key, plan.Size, contentType),
            () => GenerateAsync(key, original.Path, header, plan, format, path, method, contentType));
    }

    private async Task<MediaContent> GenerateAsync(MediaKey key, string sourcePath, ImageHeader header, ThumbnailPlan plan, SKEncodedImageFormat format, string path, string method, string contentType)
    {
        byte[] bytes;
        await _decoders.WaitAsync();
        try
        {
            // Thumbnails are at most a few hundred pixels a side: buffering one is cheap.
            using var buffer = new MemoryStream();
            var rendered = await Task.Run(() => ImageThumbnailer.Render(sourcePath, header, plan, format, buffer));
            if (!rendered) throw CannotThumbnail();
            bytes = buffer.ToArray();
        }
        finally
        {
            _decoders.Release();
        }

        using (var staged = files.NewStagedFile())
        {
            await File.WriteAllBytesAsync(staged.TempPath, bytes);
            staged.MoveTo(path, overwrite: true);
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync();
        var exists = await Rows(db, key, plan.Size, method, contentType).AnyAsync();
        if (!exists)
        {
            db.MediaThumbnails.Add(new MediaThumbnail
            {
                Origin = key.Origin,
                MediaId = key.MediaId,
                Width = plan.Size.Width,
                Height = plan.Size.Height,
                Method = method,
                ContentType = contentType,
                SizeBytes = bytes.Length,
                CreatedTs = now,
            });
            try
            {
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException)
            {
                // Another process stored the same thumbnail first; its file is identical.
            }
        }

        return Content(path, contentType, bytes.Length, now);
    }

    public void Dispose() => _decoders.Dispose();

    private static IQueryable<MediaThumbnail> Rows(HomeserverDbContext db, MediaKey key, ThumbnailSize size, string method, string contentType) =>
        db.MediaThumbnails.Where(t => t.Origin == key.Origin && t.MediaId == key.MediaId
            && t.Width == size.Width && t.Height == size.Height && t.Method == method && t.ContentType == contentType);

    private static MediaContent AsThumbnail(MediaContent original, string mediaType) =>
        original with { FileName = "thumbnail" + Extension(mediaType) };

    // Thumbnails carry no ETag: Last-Modified is enough for a file that never changes.
    private static MediaContent Content(string path, string contentType, long length, long timestamp) =>
        new(path, contentType, "thumbnail" + Extension(contentType), length, null, timestamp);

    private static string Extension(string mediaType) => mediaType.ToLowerInvariant() switch
    {
        "image/jpeg" or "image/jpg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        _ => ".png",
    };

    private static MatrixException CannotThumbnail() =>
        new(400, ErrorCodes.Unknown, "Cannot generate thumbnails for the requested content");

    // The spec answers 413 for local content and 502 for remote content that is too large.
    private MatrixException TooLarge(MediaKey key) =>
        new(files.IsLocal(key) ? 413 : 502, ErrorCodes.TooLarge, "Content is too large to thumbnail");
}
