using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Uploads;

public sealed class UploadMediaHandler(LocalMediaWriter writer) : ICommandHandler<UploadMedia, MediaKey>
{
    public async ValueTask<MediaKey> Handle(UploadMedia command, CancellationToken cancellationToken)
    {
        GuestAccess.RefuseGuest(command.Requester);
        return (await writer.StoreAsync(command.Body, command.Metadata, command.Requester.UserId, cancellationToken)).Key;
    }
}

public sealed class CreateMediaHandler(HomeserverDbContext db, HomeserverOptions options, TimeProvider clock)
    : ICommandHandler<CreateMedia, CreatedMedia>
{
    public async ValueTask<CreatedMedia> Handle(CreateMedia command, CancellationToken cancellationToken)
    {
        GuestAccess.RefuseGuest(command.Requester);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var userId = command.Requester.UserId;
        var max = options.Media.MaxPendingUploadsPerUser;
        if (await PendingExpiriesAsync(userId, now, cancellationToken) is { } before && before.Count >= max) throw TooMany(before, now);

        var key = new MediaKey(options.ServerName, MediaKey.NewMediaId());
        var expiresAt = now + (long)TimeSpan.FromMinutes(options.Media.PendingUploadExpiryMinutes).TotalMilliseconds;
        db.LocalMedia.Add(new LocalMedia
        {
            MediaId = key.MediaId,
            UploaderUserId = userId,
            ContentType = MediaTypes.OctetStream,
            CreatedTs = now,
            UnusedExpiresTs = expiresAt,
            Authenticated = options.Media.FreezeUnauthenticatedMedia,
        });
        await db.SaveChangesAsync(cancellationToken);

        // Concurrent creates may all have passed the first count: count again with ours included and
        // withdraw ours when over, so the bound holds without a lock (at worst both racers withdraw).
        var after = await PendingExpiriesAsync(userId, now, cancellationToken);
        if (after.Count > max)
        {
            await db.LocalMedia.Where(m => m.MediaId == key.MediaId).ExecuteDeleteAsync(CancellationToken.None);
            throw TooMany(after, now);
        }

        return new CreatedMedia(key, expiresAt);
    }

    private Task<List<long>> PendingExpiriesAsync(string userId, long now, CancellationToken cancellationToken) =>
        db.LocalMedia.AsNoTracking()
            .Where(m => m.UploaderUserId == userId && m.UploadedTs == null && m.UnusedExpiresTs > now)
            .Select(m => m.UnusedExpiresTs!.Value)
            .OrderBy(ts => ts)
            .ToListAsync(cancellationToken);

    // The earliest pending ID to expire frees a slot.
    private static MatrixException TooMany(List<long> pendingExpiries, long now) =>
        new(429, ErrorCodes.LimitExceeded, "Too many pending media uploads",
            new JsonObject { ["retry_after_ms"] = Math.Max(0, pendingExpiries[0] - now) });
}

public sealed class UploadPendingMediaHandler(
    HomeserverDbContext db,
    MediaFiles files,
    UploadSignals signals,
    HomeserverOptions options,
    TimeProvider clock) : ICommandHandler<UploadPendingMedia>
{
    public async ValueTask<Unit> Handle(UploadPendingMedia command, CancellationToken cancellationToken)
    {
        GuestAccess.RefuseGuest(command.Requester);
        var key = command.Key;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var row = files.IsLocal(key)
            ? await db.LocalMedia.AsNoTracking().FirstOrDefaultAsync(m => m.MediaId == key.MediaId, cancellationToken)
            : null;
        if (row is null || (row.UploadedTs is null && row.UnusedExpiresTs <= now)) throw UnknownMedia();
        if (row.UploaderUserId != command.Requester.UserId) throw MatrixException.Forbidden("This media ID was created by another user");
        if (row.UploadedTs is not null || row.UploadClaim is not null) throw AlreadyUploaded();

        var max = options.Media.MaxUploadBytes;
        using var staged = await files.ReceiveAsync(command.Body, max, () => UploadBody.TooLarge(max), cancellationToken);

        // The database decides between racing uploads: only one request can claim the pending row.
        var claim = Guid.NewGuid().ToString("N");
        var claimed = await db.LocalMedia
            .Where(m => m.MediaId == key.MediaId && m.UploadedTs == null && m.UploadClaim == null && m.UnusedExpiresTs > now)
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.UploadClaim, claim), cancellationToken);
        if (claimed == 0)
        {
            var current = await db.LocalMedia.AsNoTracking().AnyAsync(m => m.MediaId == key.MediaId, cancellationToken);
            throw current ? AlreadyUploaded() : UnknownMedia();
        }

        var path = files.ContentPath(key);
        var ours = db.LocalMedia.Where(m => m.MediaId == key.MediaId && m.UploadClaim == claim);
        try
        {
            staged.MoveTo(path, overwrite: true);
        }
        catch
        {
            await ours.ExecuteUpdateAsync(set => set.SetProperty(m => m.UploadClaim, (string?)null), CancellationToken.None);
            throw;
        }

        var contentType = MediaTypes.Normalize(command.Metadata.ContentType);
        var fileName = command.Metadata.FileName;
        var uploadedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var updated = await ours.ExecuteUpdateAsync(set => set
            .SetProperty(m => m.UploadedTs, uploadedAt)
            .SetProperty(m => m.UploadClaim, (string?)null)
            .SetProperty(m => m.ContentType, contentType)
            .SetProperty(m => m.UploadName, fileName)
            .SetProperty(m => m.SizeBytes, staged.Length)
            .SetProperty(m => m.Sha256, staged.Sha256), CancellationToken.None);
        if (updated == 0)
        {
            // The ID expired (and was cleaned up) while the body streamed in.
            File.Delete(path);
            throw UnknownMedia();
        }

        signals.Complete(key.MediaId);
        return Unit.Value;
    }

    private static MatrixException UnknownMedia() => MatrixException.NotFound("Unknown media ID");

    private static MatrixException AlreadyUploaded() => new(409, ErrorCodes.CannotOverwriteMedia, "Media already uploaded");
}
