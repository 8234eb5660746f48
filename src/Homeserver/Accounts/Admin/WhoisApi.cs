using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Admin;

/// <summary>
/// GET /_matrix/client/v3/admin/whois/{userId}: a local user's devices with where and when each was
/// last used. Server admins may ask about anyone; a user about themselves (as Synapse allows).
/// </summary>
public static class WhoisApi
{
    public static IEndpointRouteBuilder MapWhoisApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/admin/whois/{userId}", async (Requester r, string userId, HomeserverDbContext db, CancellationToken ct) =>
        {
            var target = RequestIds.UserId(userId);
            if (target != r.UserId && !await AdminAccess.IsServerAdminAsync(db, r.UserId, ct))
            {
                throw MatrixException.Forbidden("You are not a server admin");
            }

            return Results.Json(await WhoisAsync(db, target, ct));
        });
        return app;
    }

    /// <summary>The whois answer for a local user (also served by the admin API's /_synapse/admin/v1/whois); 404 for an unknown one.</summary>
    public static async Task<JsonObject> WhoisAsync(HomeserverDbContext db, string target, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.UserId == target, ct)) throw MatrixException.NotFound("Unknown user");
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == target).OrderBy(d => d.DeviceId).ToListAsync(ct);
        var result = new JsonObject();
        foreach (var device in devices)
        {
            var connections = new JsonArray();
            if (device.LastSeenTs is { } seen)
            {
                var connection = new JsonObject { ["last_seen"] = seen };
                if (device.LastSeenIp is not null) connection["ip"] = device.LastSeenIp;
                connections.Add(connection);
            }

            result[device.DeviceId] = new JsonObject { ["sessions"] = new JsonArray(new JsonObject { ["connections"] = connections }) };
        }

        return new JsonObject { ["user_id"] = target, ["devices"] = result };
    }
}
