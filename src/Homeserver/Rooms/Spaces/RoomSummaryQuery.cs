using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>GET /_matrix/client/v1/room_summary/{roomIdOrAlias}; <paramref name="Requester"/> is null for anonymous callers.</summary>
public sealed record GetRoomSummary(Requester? Requester, string RoomIdOrAlias, IReadOnlyList<string> Via) : IQuery<JsonObject>;

/// <summary>
/// A room's summary for whoever may preview it (<see cref="RoomPreviewAccess"/>), with the caller's
/// membership. Rooms this server does not know, and rooms the caller may not preview, are both 404,
/// so the answer does not tell them apart.
/// </summary>
public sealed class RoomSummaryHandler(HomeserverDbContext db, RoomTargets targets, RoomSummaries summaries) : IQueryHandler<GetRoomSummary, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetRoomSummary query, CancellationToken cancellationToken)
    {
        var target = await targets.ResolveAsync(query.RoomIdOrAlias, query.Via, cancellationToken);
        var userId = query.Requester?.UserId;
        var room = (await summaries.LoadAsync(db, [target.RoomId], cancellationToken)).GetValueOrDefault(target.RoomId);
        if (room is null || !await RoomPreviewAccess.CanPreviewAsync(db, room, userId, cancellationToken))
        {
            throw MatrixException.NotFound("Room not found or is not accessible");
        }

        var summary = room.ToSummary();
        if (userId is not null)
        {
            summary["membership"] = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == room.RoomId && m.UserId == userId)
                .Select(m => m.Membership).FirstOrDefaultAsync(cancellationToken) ?? "leave";
        }

        return summary;
    }
}
