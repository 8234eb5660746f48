using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Media.Admin;

public sealed class DeleteMediaHandler(HomeserverDbContext db, MediaFiles files) : ICommandHandler<DeleteMedia>
{
    public async ValueTask<Unit> Handle(DeleteMedia command, CancellationToken cancellationToken)
    {
        await ServerAdmins.RequireAsync(db, command.Requester, cancellationToken);
        var key = command.Key;
        if (!files.IsLocal(key)) throw MatrixException.InvalidParam("Can only delete local media");
        var deleted = await db.LocalMedia.Where(m => m.MediaId == key.MediaId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0) throw MatrixException.NotFound("Unknown media ID");
        await db.MediaThumbnails.Where(t => t.Origin == key.Origin && t.MediaId == key.MediaId).ExecuteDeleteAsync(cancellationToken);
        files.Delete(key);
        return Unit.Value;
    }
}

public sealed class SetMediaQuarantineHandler(HomeserverDbContext db, MediaFiles files) : ICommandHandler<SetMediaQuarantine>
{
    public async ValueTask<Unit> Handle(SetMediaQuarantine command, CancellationToken cancellationToken)
    {
        await ServerAdmins.RequireAsync(db, command.Requester, cancellationToken);
        var key = command.Key;
        var by = command.Quarantined ? command.Requester.UserId : null;
        var updated = files.IsLocal(key)
            ? await db.LocalMedia.Where(m => m.MediaId == key.MediaId)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.QuarantinedBy, by), cancellationToken)
            : await db.RemoteMedia.Where(m => m.Origin == key.Origin && m.MediaId == key.MediaId)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.QuarantinedBy, by), cancellationToken);
        if (updated == 0) throw MatrixException.NotFound("Unknown media ID");
        return Unit.Value;
    }
}

/// <summary>The server-admin check of the /_synapse/admin API.</summary>
internal static class ServerAdmins
{
    public static async Task RequireAsync(HomeserverDbContext db, Requester requester, CancellationToken cancellationToken)
    {
        if (!await AdminAccess.IsServerAdminAsync(db, requester.UserId, cancellationToken)) throw MatrixException.Forbidden("You are not a server admin");
    }
}
