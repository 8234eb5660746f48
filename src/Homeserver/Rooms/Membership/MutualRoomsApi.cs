using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Membership;

/// <summary>
/// GET /_matrix/client/v1/mutual_rooms?user_id=: the rooms both users are joined to, in room ID order,
/// in pages whose next_batch token is the last room ID served.
/// </summary>
public static class MutualRoomsApi
{
    public const int PageSize = 100;

    public static IEndpointRouteBuilder MapMutualRoomsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v1/mutual_rooms", async (Requester r, string? user_id, string? from, HomeserverDbContext db, CancellationToken ct) =>
        {
            if (user_id is null) throw MatrixException.MissingParam("Missing user_id");
            if (!UserId.IsValid(user_id)) throw MatrixException.InvalidParam($"'{user_id}' is not a valid user ID");
            if (from is not null && !RoomId.IsValid(from)) throw MatrixException.InvalidParam("Unknown pagination token");

            var mine = db.RoomMemberships.Where(m => m.UserId == r.UserId && m.Membership == Memberships.Join).Select(m => m.RoomId);
            var shared = db.RoomMemberships.AsNoTracking()
                .Where(m => m.UserId == user_id && m.Membership == Memberships.Join && mine.Contains(m.RoomId))
                .Select(m => m.RoomId);
            var count = await shared.CountAsync(ct);
            var page = await (from is null ? shared : shared.Where(id => string.Compare(id, from) > 0))
                .OrderBy(id => id).Take(PageSize + 1).ToListAsync(ct);

            var result = new JsonObject
            {
                ["joined"] = new JsonArray([.. page.Take(PageSize).Select(id => (JsonNode)id)]),
                ["count"] = count,
            };
            if (page.Count > PageSize) result["next_batch"] = page[PageSize - 1];
            return Results.Json(result);
        });
        return app;
    }
}
