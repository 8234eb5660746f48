using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Remote;
using Matrix.Homeserver.Media.Uploads;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Downloads;

/// <summary>How a download may be answered.</summary>
/// <param name="AllowRemote">False: never contact another server (allow_remote=false); cached copies are still served.</param>
/// <param name="Wait">How long to wait for a pending async upload (timeout_ms).</param>
/// <param name="Legacy">Asked through an unauthenticated /_matrix/media/v3 path, which does not serve frozen media.</param>
public sealed record MediaAccess(bool AllowRemote, TimeSpan Wait, bool Legacy);

/// <summary>
/// Finds the stored file behind an mxc:// URI: local media (waiting for a pending upload when asked
/// to) or remote media through the cache. Quarantined media, and frozen media asked for through a
/// legacy path, are answered as not found.
/// </summary>
public sealed class MediaLocator(
    IDbContextFactory<HomeserverDbContext> dbFactory,
    MediaFiles files,
    RemoteMediaCache remote,
    UploadSignals signals,
    TimeProvider clock)
{
    /// <summary>Waiters re-read the row at least this often, in case a wake-up was missed (or came from another process).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <exception cref="MatrixException">404 M_NOT_FOUND; 504 M_NOT_YET_UPLOADED when a pending upload did not arrive in time.</exception>
    public async Task<MediaContent> FindAsync(MediaKey key, MediaAccess access, CancellationToken cancellationToken)
    {
        if (files.IsLocal(key)) return await FindLocalAsync(key, access, cancellationToken);
        var row = await remote.GetAsync(key, access.AllowRemote, access.Wait, cancellationToken);
        if (row.QuarantinedBy is not null || (access.Legacy && row.Authenticated)) throw NotFound();
        return new MediaContent(files.ContentPath(key), row.ContentType, row.UploadName, row.SizeBytes, row.Sha256, row.FetchedTs);
    }

    private async Task<MediaContent> FindLocalAsync(MediaKey key, MediaAccess access, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + access.Wait;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var row = await db.LocalMedia.AsNoTracking().FirstOrDefaultAsync(m => m.MediaId == key.MediaId, cancellationToken);
            var now = clock.GetUtcNow();
            if (row is null || row.QuarantinedBy is not null || (access.Legacy && row.Authenticated)) throw NotFound();
            if (row.UploadedTs is { } uploadedTs)
            {
                return new MediaContent(files.ContentPath(key), row.ContentType, row.UploadName, row.SizeBytes, row.Sha256, uploadedTs);
            }

            if (row.UnusedExpiresTs <= now.ToUnixTimeMilliseconds())
            {
                signals.Forget(key.MediaId);
                throw NotFound();
            }

            var remaining = deadline - now;
            if (remaining <= TimeSpan.Zero) throw new MatrixException(504, ErrorCodes.NotYetUploaded, "Content has not yet been uploaded");
            var uploaded = signals.Uploaded(key.MediaId);
            try
            {
                await uploaded.WaitAsync(remaining < PollInterval ? remaining : PollInterval, clock, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Re-read the row: the upload may have finished without a signal reaching us.
            }
        }
    }

    private static MatrixException NotFound() => MatrixException.NotFound("Media not found");
}
