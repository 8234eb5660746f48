using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Directory;

/// <summary>GET /directory/list/room/{roomId}: {visibility}.</summary>
public sealed record GetDirectoryVisibility(string RoomId) : IQuery<JsonObject>;

/// <summary>PUT /directory/list/room/{roomId}.</summary>
public sealed record SetDirectoryVisibility(Requester Requester, string RoomId, bool IsPublic) : ICommand;

/// <summary>
/// Whether a room is published in this server's directory. Publishing needs what Synapse asks: a
/// server admin, or a joined member allowed to set the canonical alias; guests never.
/// </summary>
public sealed class DirectoryVisibilityHandlers(HomeserverDbContext db, RoomPermissions permissions)
    : IQueryHandler<GetDirectoryVisibility, JsonObject>, ICommandHandler<SetDirectoryVisibility>
{
    public async ValueTask<JsonObject> Handle(GetDirectoryVisibility query, CancellationToken cancellationToken)
    {
        var room = await db.Rooms.AsNoTracking().Where(r => r.RoomId == query.RoomId).Select(r => new { r.IsPublic }).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound("Room not found");
        return new JsonObject { ["visibility"] = room.IsPublic ? "public" : "private" };
    }

    public async ValueTask<Unit> Handle(SetDirectoryVisibility command, CancellationToken cancellationToken)
    {
        var room = await db.Rooms.FirstOrDefaultAsync(r => r.RoomId == command.RoomId, cancellationToken)
            ?? throw MatrixException.NotFound("Room not found");
        if (command.Requester.IsGuest) throw MatrixException.Forbidden("Guests cannot edit the published room list");
        if (!await permissions.CanManageDirectoryAsync(db, command.RoomId, command.Requester.UserId, cancellationToken))
        {
            throw MatrixException.Forbidden("You need to be a moderator in the room to edit its room list entry");
        }

        room.IsPublic = command.IsPublic;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
