using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>Synapse's room admin API (docs/admin_api/rooms.md): list, details, members, state, block.</summary>
public static class RoomAdminApi
{
    public static IEndpointRouteBuilder MapRoomAdminApi(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/_synapse/admin/v1/rooms").RequireAdmin();
        rooms.MapGet("", async (Requester _, HttpRequest http, HomeserverDbContext db, HomeserverOptions options, CancellationToken ct) =>
            Results.Json(await RoomList.PageAsync(db, options.ServerName, RoomListQuery.Parse(http), ct)));
        rooms.MapGet("/{roomId}", async (Requester _, string roomId, HomeserverDbContext db, HomeserverOptions options, CancellationToken ct) =>
            Results.Json(await DetailsAsync(db, options.ServerName, RequestIds.RoomId(roomId), ct)));
        rooms.MapGet("/{roomId}/members", async (Requester _, string roomId, HomeserverDbContext db, RoomStateReader state, CancellationToken ct) =>
        {
            var room = await KnownRoomAsync(db, roomId, ct);
            var members = await state.GetJoinedMembersAsync(db, room, ct);
            members.Sort(StringComparer.Ordinal);
            return Results.Json(new JsonObject { ["members"] = new JsonArray(members.Select(m => (JsonNode)m).ToArray()), ["total"] = members.Count });
        });
        rooms.MapGet("/{roomId}/state", async (Requester _, string roomId, HomeserverDbContext db, ClientEventLoader loader, CancellationToken ct) =>
        {
            var room = await KnownRoomAsync(db, roomId, ct);
            var ids = await db.CurrentState.AsNoTracking().Where(c => c.RoomId == room)
                .OrderBy(c => c.Type).ThenBy(c => c.StateKey).Select(c => c.EventId).ToListAsync(ct);
            var events = await loader.LoadAsync(db, ids, requester: null, Aggregations.None, ct);
            return Results.Json(new JsonObject { ["state"] = new JsonArray(events.Select(e => (JsonNode)e).ToArray()) });
        });
        rooms.MapGet("/{roomId}/block", async (Requester _, string roomId, HomeserverDbContext db, CancellationToken ct) =>
        {
            var blockedBy = await RoomBlocks.BlockedByAsync(db, RequestIds.RoomId(roomId), ct);
            var json = new JsonObject { ["block"] = blockedBy is not null };
            if (blockedBy is not null) json["user_id"] = blockedBy;
            return Results.Json(json);
        });
        rooms.MapPut("/{roomId}/block", async (Requester r, string roomId, HttpRequest http, HomeserverDbContext db, RoomBlocks blocks, TimeProvider clock, AdminAudit audit,
            CancellationToken ct) =>
        {
            var room = RequestIds.RoomId(roomId);
            var block = AdminParams.BodyBool(await JsonBody.ReadObjectAsync(http), "block") ?? throw MatrixException.MissingParam("Missing params: ['block']");
            await blocks.SetAsync(db, room, block, r.UserId, clock.GetUtcNow().ToUnixTimeMilliseconds(), ct);
            audit.Record(r, block ? "blocked room" : "unblocked room", room);
            return Results.Json(new JsonObject { ["block"] = block });
        });
        app.MapRoomDeleteApi();
        return app;
    }

    /// <summary>The room ID when this server knows the room: 400 for a malformed ID, 404 for an unknown room.</summary>
    public static async Task<string> KnownRoomAsync(HomeserverDbContext db, string roomId, CancellationToken ct)
    {
        var room = RequestIds.RoomId(roomId);
        return await db.Rooms.AnyAsync(r => r.RoomId == room, ct) ? room : throw MatrixException.NotFound("Room not found");
    }

    /// <summary>The list entry plus topic, avatar, the local members' devices and whether every local member forgot the room.</summary>
    private static async Task<JsonObject> DetailsAsync(HomeserverDbContext db, string serverName, string roomId, CancellationToken ct)
    {
        var summary = (await RoomAdminSummary.LoadAsync(db, serverName, roomId, ct)).SingleOrDefault() ?? throw MatrixException.NotFound("Room not found");
        var localMembers = LocalMemberships.In(db, roomId, serverName);
        var joinedLocal = localMembers.Where(m => m.Membership == Matrix.Federation.Events.Memberships.Join).Select(m => m.UserId);
        var details = summary.ToListEntry();
        details["topic"] = summary.Topic;
        details["avatar"] = summary.Avatar;
        details["joined_local_devices"] = await db.Devices.CountAsync(d => joinedLocal.Contains(d.UserId), ct);
        details["forgotten"] = !await localMembers.AnyAsync(m => !m.Forgotten, ct);
        return details;
    }
}
