using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>Deleting rooms: DELETE v2 (background, with a delete_id and status endpoints) and the older synchronous DELETE v1 that synadm uses.</summary>
public static class RoomDeleteApi
{
    public static IEndpointRouteBuilder MapRoomDeleteApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/_synapse/admin/v2/rooms").RequireAdmin();
        v2.MapDelete("/{roomId}", async (Requester r, string roomId, HttpRequest http, HomeserverDbContext db, RoomDeletions deletions, AdminAudit audit,
            CancellationToken ct) =>
        {
            var (room, request) = await ReadAsync(http, db, roomId, ct);
            var deletion = deletions.Start(room, request, r);
            audit.Record(r, $"started deleting room (delete {deletion.DeleteId}, block {request.Block}, purge {request.Purge})", room);
            return Results.Json(new JsonObject { ["delete_id"] = deletion.DeleteId });
        });
        v2.MapGet("/{roomId}/delete_status", (Requester _, string roomId, RoomDeletions deletions) =>
        {
            var room = RequestIds.RoomId(roomId);
            var found = deletions.ForRoom(room);
            if (found.Count == 0) throw MatrixException.NotFound($"No delete task for room_id '{room}' found");
            return Results.Json(new JsonObject { ["results"] = new JsonArray(found.Select(d => (JsonNode)d.ToJson(withId: true)).ToArray()) });
        });
        v2.MapGet("/delete_status/{deleteId}", (Requester _, string deleteId, RoomDeletions deletions) =>
            Results.Json((deletions.Find(deleteId) ?? throw MatrixException.NotFound($"delete id '{deleteId}' not found")).ToJson(withId: false)));

        app.MapDelete("/_synapse/admin/v1/rooms/{roomId}", async (Requester r, string roomId, HttpRequest http, HomeserverDbContext db, RoomDeletions deletions,
            AdminAudit audit, CancellationToken ct) =>
        {
            var (room, request) = await ReadAsync(http, db, roomId, ct);
            audit.Record(r, $"deleting room (block {request.Block}, purge {request.Purge})", room);
            var deletion = await deletions.RunNowAsync(room, request, r, ct);
            if (deletion.Status == "failed") throw new MatrixException(400, ErrorCodes.Unknown, deletion.Error ?? "Deleting the room failed");
            return Results.Json(deletion.Result!.ToJson());
        }).RequireAdmin();
        return app;
    }

    /// <summary>The room and the body; an unknown room is 404 unless the admin only wants it blocked in advance.</summary>
    private static async Task<(string Room, RoomDeleteRequest Request)> ReadAsync(HttpRequest http, HomeserverDbContext db, string roomId, CancellationToken ct)
    {
        var room = RequestIds.RoomId(roomId);
        var request = RoomDeleteRequest.From(await JsonBody.ReadObjectAsync(http, emptyIsObject: true));
        if (!request.Block && !await db.Rooms.AnyAsync(x => x.RoomId == room, ct)) throw MatrixException.NotFound("Unknown room");
        return (room, request);
    }
}
