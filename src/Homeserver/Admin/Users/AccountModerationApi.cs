using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>
/// Locking and suspending accounts: the spec's GET/PUT /_matrix/client/v1/admin/{lock,suspend}/{userId} (v1.18) and
/// Synapse's PUT /_synapse/admin/v1/suspend/{userId} (moderation bots use it). Admin-only, checked before any lookup
/// (no enumeration); the target must be a local, active account that is not an admin.
/// </summary>
public static class AccountModerationApi
{
    public static IEndpointRouteBuilder MapAccountModerationApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/_matrix/client/v1/admin").RequireAdmin();
        foreach (var (path, field, restriction) in new[] { ("lock", "locked", AccountRestriction.Lock), ("suspend", "suspended", AccountRestriction.Suspend) })
        {
            v1.MapGet($"/{path}/{{userId}}", async (Requester _, string userId, AdminTargets targets, CancellationToken ct) =>
            {
                var user = await ModerableAsync(targets, userId, ct);
                return Results.Json(new JsonObject { [field] = restriction == AccountRestriction.Lock ? user.Locked : user.Suspended });
            });
            v1.MapPut($"/{path}/{{userId}}", async (Requester r, string userId, HttpRequest http, AdminTargets targets, AccountRestrictions restrictions,
                AdminAudit audit, CancellationToken ct) =>
            {
                var applied = await RequiredBoolAsync(http, field);
                var target = (await ModerableAsync(targets, userId, ct)).UserId;
                await SetAsync(r, restrictions, audit, target, restriction, applied, ct);
                return Results.Json(new JsonObject { [field] = applied });
            });
        }

        app.MapPut("/_synapse/admin/v1/suspend/{userId}", async (Requester r, string userId, HttpRequest http, AdminTargets targets,
            AccountRestrictions restrictions, AdminAudit audit, CancellationToken ct) =>
        {
            var applied = await RequiredBoolAsync(http, "suspend");
            var target = (await ModerableAsync(targets, userId, ct)).UserId;
            await SetAsync(r, restrictions, audit, target, AccountRestriction.Suspend, applied, ct);
            return Results.Json(new JsonObject { [$"user_{target}_suspended"] = applied });
        }).RequireAdmin();
        return app;
    }

    private static async Task<bool> RequiredBoolAsync(HttpRequest http, string field) =>
        AdminParams.BodyBool(await JsonBody.ReadObjectAsync(http), field) ?? throw MatrixException.MissingParam($"Missing params: ['{field}']");

    /// <summary>The local account the path names: 400 M_INVALID_PARAM if not local, 404 if unknown or deactivated, 403 for an admin.</summary>
    private static async Task<Storage.Entities.User> ModerableAsync(AdminTargets targets, string userId, CancellationToken ct)
    {
        var user = await targets.LocalUserAsync(userId, ct, "User does not belong to the local server.");
        if (user.Deactivated) throw MatrixException.NotFound("User not found.");
        if (user.IsAdmin) throw MatrixException.Forbidden("Server administrators cannot be locked or suspended.");
        return user;
    }

    private static async Task SetAsync(Requester admin, AccountRestrictions restrictions, AdminAudit audit, string target, AccountRestriction restriction,
        bool applied, CancellationToken ct)
    {
        if (!await restrictions.SetAsync(target, restriction, applied, ct)) throw MatrixException.NotFound("User not found.");
        audit.Record(admin, (restriction, applied) switch
        {
            (AccountRestriction.Lock, true) => "locked",
            (AccountRestriction.Lock, false) => "unlocked",
            (_, true) => "suspended",
            _ => "unsuspended",
        }, target);
    }
}
