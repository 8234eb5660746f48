using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Admin;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>Synapse's user admin API (docs/admin_api/user_admin_api.md): accounts, passwords, admin flag, sessions, rooms.</summary>
public static class UserAdminApi
{
    public static IEndpointRouteBuilder MapUserAdminApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/_synapse/admin/v2/users").RequireAdmin();
        v2.MapGet("", async (Requester _, HttpRequest http, HomeserverDbContext db, CancellationToken ct) =>
            Results.Json(await UserList.PageAsync(db, UserListQuery.Parse(http), ct)));
        v2.MapGet("/{userId}", async (Requester _, string userId, AdminTargets targets, HomeserverDbContext db, CancellationToken ct) =>
        {
            var user = await targets.LocalUserAsync(userId, ct);
            return Results.Json(await DetailsAsync(db, user.UserId, ct));
        });
        v2.MapPut("/{userId}", async (Requester r, string userId, HttpRequest http, AdminTargets targets, UserAccountEditor editor, HomeserverDbContext db,
            CancellationToken ct) =>
        {
            var target = targets.LocalUserId(userId, "This endpoint can only be used with local users");
            var created = await editor.PutAsync(r, target, await JsonBody.ReadObjectAsync(http), ct);
            return Results.Json(await DetailsAsync(db, target, ct), statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        app.MapUserDevicesAdminApi();

        var v1 = app.MapGroup("/_synapse/admin/v1").RequireAdmin();
        v1.MapPost("/deactivate/{userId}", async (Requester r, string userId, HttpRequest http, AdminTargets targets, AccountDeactivator deactivator,
            AdminAudit audit, CancellationToken ct) =>
        {
            var erase = AdminParams.BodyBool(await JsonBody.ReadObjectAsync(http, emptyIsObject: true), "erase") ?? false;
            var user = await targets.LocalUserAsync(userId, ct, "Can only deactivate local users");
            var unbound = await deactivator.DeactivateAsync(user.UserId, erase, ct);
            audit.Record(r, erase ? "deactivated and erased user" : "deactivated user", user.UserId);
            return Results.Json(new JsonObject { ["id_server_unbind_result"] = unbound });
        });
        v1.MapPost("/reset_password/{userId}", async (Requester r, string userId, HttpRequest http, AdminTargets targets, PasswordSetter passwords,
            AdminAudit audit, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var password = AdminParams.BodyString(body, "new_password") ?? throw MatrixException.MissingParam("Missing params: ['new_password']");
            var logout = AdminParams.BodyBool(body, "logout_devices") ?? true;
            var user = await targets.LocalUserAsync(userId, ct, "Can only reset the password of local users");
            await passwords.SetAsync(user.UserId, password, logout, keepDeviceId: null, ct);
            audit.Record(r, logout ? "reset the password (devices logged out) of" : "reset the password of", user.UserId);
            return Results.Json(new JsonObject());
        });
        v1.MapGet("/whois/{userId}", async (Requester _, string userId, AdminTargets targets, HomeserverDbContext db, CancellationToken ct) =>
            Results.Json(await WhoisApi.WhoisAsync(db, targets.LocalUserId(userId), ct)));
        v1.MapPost("/users/{userId}/login", async (Requester r, string userId, HttpRequest http, AdminTargets targets, AdminLogin login, CancellationToken ct) =>
        {
            var validUntil = AdminParams.BodyInteger(await JsonBody.ReadObjectAsync(http, emptyIsObject: true), "valid_until_ms");
            var user = await targets.LocalUserAsync(userId, ct, "Only local users can be logged in as");
            return Results.Json(new JsonObject { ["access_token"] = await login.LoginAsAsync(r, user.UserId, validUntil, ct) });
        });
        v1.MapGet("/users/{userId}/joined_rooms", async (Requester _, string userId, AdminTargets targets, RoomStateReader state, HomeserverDbContext db,
            CancellationToken ct) =>
        {
            // Remote users may be asked about too: the rooms this server shares with them.
            var target = Matrix.Homeserver.Rooms.RequestIds.UserId(userId);
            if (targets.IsLocal(target)) await targets.LocalUserAsync(target, ct);
            var rooms = await state.GetJoinedRoomsAsync(db, target, ct);
            return Results.Json(new JsonObject { ["joined_rooms"] = new JsonArray(rooms.Select(id => (JsonNode)id).ToArray()), ["total"] = rooms.Count });
        });
        v1.MapGet("/users/{userId}/admin", async (Requester _, string userId, AdminTargets targets, CancellationToken ct) =>
        {
            var user = await targets.LocalUserAsync(userId, ct, "Only local users can be admins of this homeserver");
            return Results.Json(new JsonObject { ["admin"] = user.IsAdmin });
        });
        v1.MapPut("/users/{userId}/admin", async (Requester r, string userId, HttpRequest http, AdminTargets targets, HomeserverDbContext db, AdminAudit audit,
            CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var admin = AdminParams.BodyBool(body, "admin") ?? throw MatrixException.MissingParam("Missing params: ['admin']");
            var user = await targets.LocalUserAsync(userId, ct, "Only local users can be admins of this homeserver");
            if (!admin && user.UserId == r.UserId) throw new MatrixException(400, ErrorCodes.Unknown, "You may not demote yourself.");
            user.IsAdmin = admin;
            await db.SaveChangesAsync(ct);
            audit.Record(r, admin ? "made admin" : "removed admin from", user.UserId);
            return Results.Json(new JsonObject());
        });
        return app;
    }

    private static async Task<JsonObject> DetailsAsync(HomeserverDbContext db, string userId, CancellationToken ct) =>
        (await UserAdminRow.Query(db).FirstAsync(u => u.UserId == userId, ct)).ToDetails();
}
