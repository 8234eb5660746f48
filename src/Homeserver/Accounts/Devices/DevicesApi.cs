using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Accounts.Devices;

/// <summary>Device management: list, read, rename and delete the caller's devices.</summary>
public static class DevicesApi
{
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var v3 = app.MapGroup("/_matrix/client/v3");
        // Guests may see and name their devices (as in Synapse), not delete them.
        v3.MapGet("/devices", async (Requester requester, IMediator mediator, CancellationToken ct) =>
            Results.Json(new { devices = await mediator.Send(new GetDevicesQuery(requester), ct) }, JsonBody.ResponseOptions));
        v3.MapGet("/devices/{deviceId}", async (Requester requester, string deviceId, IMediator mediator, CancellationToken ct) =>
            Results.Json(await mediator.Send(new GetDeviceQuery(requester, deviceId), ct), JsonBody.ResponseOptions));
        v3.MapPut("/devices/{deviceId}", RenameAsync);
        v3.MapDelete("/devices/{deviceId}", DeleteOneAsync).DenyGuests();
        v3.MapPost("/delete_devices", DeleteManyAsync).DenyGuests();
        return app;
    }

    private static async Task<IResult> RenameAsync(Requester requester, string deviceId, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var name = DeviceFields.DisplayName(JsonFields.String(body, "display_name"));
        await mediator.Send(new RenameDeviceCommand(requester, deviceId, name), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> DeleteOneAsync(Requester requester, string deviceId, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        // Clients send no body on their first attempt; that is an empty request, not bad JSON.
        var body = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var uia = UiaRequest.From(http, JsonFields.Object(body, "auth"), requester);
        await mediator.Send(new DeleteDevicesCommand(requester, [deviceId], uia), cancellationToken);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> DeleteManyAsync(Requester requester, HttpRequest http, IMediator mediator, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var devices = body["devices"] switch
        {
            null => throw MatrixException.MissingParam("devices is required"),
            JsonArray array when array.All(d => d is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String) =>
                array.Select(d => d!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToList(),
            _ => throw MatrixException.BadJson("devices must be an array of strings"),
        };
        var uia = UiaRequest.From(http, JsonFields.Object(body, "auth"), requester);
        await mediator.Send(new DeleteDevicesCommand(requester, devices, uia), cancellationToken);
        return Results.Json(new JsonObject());
    }
}
