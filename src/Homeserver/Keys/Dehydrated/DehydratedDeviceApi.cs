using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Keys.Dehydrated;

/// <summary>MSC3814 dehydrated devices under the unstable prefix Element uses.</summary>
public static class DehydratedDeviceApi
{
    private static readonly string[] KeyFields = ["device_keys", "one_time_keys", "fallback_keys"];

    public static IEndpointRouteBuilder MapDehydratedDeviceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device").DenyGuests();
        group.MapPut("", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var deviceId = JsonFields.String(body, "device_id") ?? throw MatrixException.MissingParam("device_id is required");
            var data = JsonFields.Object(body, "device_data") ?? throw MatrixException.MissingParam("device_data is required");
            var keys = new JsonObject();
            foreach (var field in KeyFields)
            {
                if (JsonFields.Object(body, field) is { } value) keys[field] = value.DeepClone();
            }

            return Results.Json(await m.Send(new PutDehydratedDevice(r, deviceId, data, JsonFields.String(body, "initial_device_display_name"), keys), ct));
        });
        group.MapGet("", async (Requester r, IMediator m, CancellationToken ct) => Results.Json(await m.Send(new GetDehydratedDevice(r), ct)));
        group.MapDelete("", async (Requester r, IMediator m, CancellationToken ct) => Results.Json(await m.Send(new DeleteDehydratedDevice(r), ct)));
        group.MapPost("/{deviceId}/events", async (Requester r, string deviceId, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
            return Results.Json(await m.Send(new GetDehydratedDeviceEvents(r, deviceId, JsonFields.String(body, "next_batch")), ct));
        });
        return app;
    }
}
