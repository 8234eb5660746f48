using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>Stores new local media from a stream: a fresh media ID, the file in place, then its row.</summary>
public sealed class LocalMediaWriter(IDbContextFactory<HomeserverDbContext> dbFactory, MediaFiles files, HomeserverOptions options, TimeProvider clock)
{
    /// <exception cref="Http.MatrixException">413 M_TOO_LARGE past Homeserver:Media:MaxUploadBytes.</exception>
    public async Task<(MediaKey Key, long Length)> StoreAsync(Stream content, UploadMetadata metadata, string uploaderUserId, CancellationToken cancellationToken)
    {
        var max = options.Media.MaxUploadBytes;
        using var staged = await files.ReceiveAsync(content, max, () => UploadBody.TooLarge(max), cancellationToken);
        var key = new MediaKey(options.ServerName, MediaKey.NewMediaId());
        var path = files.ContentPath(key);
        staged.MoveTo(path, overwrite: false);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.LocalMedia.Add(new LocalMedia
            {
                MediaId = key.MediaId,
                UploaderUserId = uploaderUserId,
                ContentType = MediaTypes.Normalize(metadata.ContentType),
                UploadName = metadata.FileName,
                CreatedTs = now,
                UploadedTs = now,
                SizeBytes = staged.Length,
                Sha256 = staged.Sha256,
                Authenticated = options.Media.FreezeUnauthenticatedMedia,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return (key, staged.Length);
    }
}
