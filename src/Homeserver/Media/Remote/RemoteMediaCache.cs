using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Remote;

/// <summary>
/// Remote media, fetched once through <see cref="IRemoteMediaFetcher"/> and kept in the store:
/// later downloads and thumbnails read the local copy. A file over the upload limit is refused while
/// it streams (502 M_TOO_LARGE, as the spec says for remote content).
/// </summary>
public sealed class RemoteMediaCache(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    MediaFiles files,
    IRemoteMediaFetcher fetcher,
    HomeserverOptions options,
    TimeProvider clock)
{
    /// <summary>Bound on a whole remote transfer, after the origin started answering.</summary>
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A longer name from a remote server is dropped rather than stored.</summary>
    private const int MaxFileNameLength = 255;

    private readonly SingleFlight<MediaKey, RemoteMedia> _fetches = new();

    /// <param name="allowFetch">False (allow_remote=false): answer from the cache only, never contact the origin.</param>
    /// <exception cref="MatrixException">404 when not cached and not fetchable; 502 M_TOO_LARGE over the size limit.</exception>
    public async Task<RemoteMedia> GetAsync(MediaKey key, bool allowFetch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await FindCachedAsync(key, cancellationToken) is { } cached) return cached;
        if (!allowFetch) throw MatrixException.NotFound("Media not found");
        // Shared by concurrent callers: one caller's cancellation must not abort it.
        return await _fetches.RunAsync(key, () => FetchAsync(key, timeout));
    }

    private async Task<RemoteMedia?> FindCachedAsync(MediaKey key, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.RemoteMedia.AsNoTracking()
            .FirstOrDefaultAsync(m => m.Origin == key.Origin && m.MediaId == key.MediaId, cancellationToken);
        return row is not null && (row.QuarantinedBy is not null || File.Exists(files.ContentPath(key))) ? row : null;
    }

    private async Task<RemoteMedia> FetchAsync(MediaKey key, TimeSpan timeout)
    {
        // A fetch that finished just before this one started has already filled the cache.
        if (await FindCachedAsync(key, CancellationToken.None) is { } cached) return cached;
        using var transfer = new CancellationTokenSource(timeout + TransferTimeout);
        await using var download = await fetcher.FetchAsync(key.Origin, key.MediaId, timeout, transfer.Token);
        using var staged = await files.ReceiveAsync(download.Content, options.Media.MaxUploadBytes,
            () => new MatrixException(502, ErrorCodes.TooLarge, "Remote content is too large"), transfer.Token);
        staged.MoveTo(files.ContentPath(key), overwrite: true);

        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var row = await db.RemoteMedia.FirstOrDefaultAsync(m => m.Origin == key.Origin && m.MediaId == key.MediaId);
        if (row is null)
        {
            row = new RemoteMedia { Origin = key.Origin, MediaId = key.MediaId, ContentType = "", Sha256 = [] };
            db.RemoteMedia.Add(row);
        }

        row.ContentType = MediaTypes.Normalize(download.ContentType);
        row.UploadName = download.FileName is { Length: <= MaxFileNameLength } name ? name : null;
        row.SizeBytes = staged.Length;
        row.Sha256 = staged.Sha256;
        row.FetchedTs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Spec: for remote media, "newly uploaded" (frozen) is judged by when the cache was filled.
        row.Authenticated = options.Media.FreezeUnauthenticatedMedia;
        await db.SaveChangesAsync();
        return row;
    }
}
