using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Accounts.Capabilities;

/// <summary>GET /capabilities: what this server lets the caller do (spec: Capabilities negotiation).</summary>
public static class CapabilitiesApi
{
    public static IEndpointRouteBuilder MapCapabilitiesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v3/capabilities", async (Requester requester, HomeserverOptions options, HomeserverDbContext db, CancellationToken ct) =>
        {
            var capabilities = For(requester, options);
            // Only server admins may lock and suspend accounts; for everyone else the spec omits the capability.
            if (await AdminAccess.IsServerAdminAsync(db, requester.UserId, ct))
            {
                capabilities["m.account_moderation"] = new JsonObject { ["suspend"] = true, ["lock"] = true };
            }

            return Results.Json(new JsonObject { ["capabilities"] = capabilities });
        });
        return app;
    }

    private static JsonObject For(Requester requester, HomeserverOptions options) => new()
    {
        // Guests have no password to change (as in Synapse).
        ["m.change_password"] = Enabled(!requester.IsGuest),
        ["m.room_versions"] = new JsonObject
        {
            ["default"] = options.Rooms.DefaultVersion.Id,
            ["available"] = new JsonObject(RoomVersions.All.Select(v => KeyValuePair.Create(v.Id, (JsonNode?)"stable"))),
        },
        ["m.set_displayname"] = Enabled(true),
        ["m.set_avatar_url"] = Enabled(!requester.IsGuest),
        ["m.profile_fields"] = requester.IsGuest
            ? new JsonObject { ["enabled"] = true, ["allowed"] = new JsonArray("displayname") }
            : Enabled(true),
        ["m.3pid_changes"] = Enabled(false),
        ["m.get_login_token"] = Enabled(options.Auth.LoginTokensEnabled && !requester.IsGuest),
    };

    private static JsonObject Enabled(bool enabled) => new() { ["enabled"] = enabled };
}
