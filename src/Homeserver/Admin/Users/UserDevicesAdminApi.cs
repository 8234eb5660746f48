using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Admin.Users;

/// <summary>/_synapse/admin/v2/users/{userId}/devices: a user's devices, through the accounts feature's DeviceService.</summary>
public static class UserDevicesAdminApi
{
    public static IEndpointRouteBuilder MapUserDevicesAdminApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/_synapse/admin/v2/users/{userId}").RequireAdmin();
        devices.MapGet("/devices", async (Requester _, string userId, AdminTargets targets, DeviceService service, CancellationToken ct) =>
        {
            var user = await targets.LocalUserAsync(userId, ct);
            var list = await service.ListAsync(user.UserId, ct);
            return Results.Json(new JsonObject
            {
                ["devices"] = new JsonArray(list.Select(d => (JsonNode)Device(user.UserId, d)).ToArray()),
                ["total"] = list.Count,
            });
        });
        devices.MapGet("/devices/{deviceId}", async (Requester _, string userId, string deviceId, AdminTargets targets, DeviceService service, CancellationToken ct) =>
        {
            var user = await targets.LocalUserAsync(userId, ct);
            var device = await service.GetAsync(user.UserId, deviceId, ct) ?? throw MatrixException.NotFound("No device found");
            return Results.Json(Device(user.UserId, device));
        });
        devices.MapDelete("/devices/{deviceId}", async (Requester r, string userId, string deviceId, AdminTargets targets, DeviceService service,
            AdminAudit audit, CancellationToken ct) =>
        {
            var user = await targets.LocalUserAsync(userId, ct);
            await service.DeleteAsync(user.UserId, [deviceId], ct);
            audit.Record(r, $"deleted device {deviceId} of", user.UserId);
            return Results.Json(new JsonObject());
        });
        devices.MapPost("/delete_devices", async (Requester r, string userId, HttpRequest http, AdminTargets targets, DeviceService service,
            AdminAudit audit, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            if (body["devices"] is not JsonArray ids || ids.Any(id => id?.GetValueKind() != System.Text.Json.JsonValueKind.String))
            {
                throw MatrixException.MissingParam("Missing params: ['devices'] (a list of device IDs)");
            }

            var user = await targets.LocalUserAsync(userId, ct);
            var deviceIds = ids.Select(id => id!.GetValue<string>()).ToList();
            await service.DeleteAsync(user.UserId, deviceIds, ct);
            audit.Record(r, $"deleted {deviceIds.Count} devices of", user.UserId);
            return Results.Json(new JsonObject());
        });
        return app;
    }

    private static JsonObject Device(string userId, DeviceInfo device) => new()
    {
        ["device_id"] = device.DeviceId,
        ["display_name"] = device.DisplayName,
        ["last_seen_ip"] = device.LastSeenIp,
        ["last_seen_ts"] = device.LastSeenTs,
        ["last_seen_user_agent"] = null,
        ["user_id"] = userId,
    };
}
