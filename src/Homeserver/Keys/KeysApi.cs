using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys.Claim;
using Matrix.Homeserver.Keys.CrossSigning;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Keys.Query;
using Matrix.Homeserver.Keys.Upload;
using Mediator;

namespace Matrix.Homeserver.Keys;

/// <summary>The /keys endpoints: device and one-time keys, key claims, device-list changes, cross-signing.</summary>
public static class KeysApi
{
    /// <summary>The longest a client may ask /keys/query and /keys/claim to wait for remote servers.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/_matrix/client/v3/keys");
        keys.MapPost("/upload", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new UploadKeysCommand(r, await JsonBody.ReadObjectAsync(http)), ct)));
        keys.MapPost("/query", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var deviceKeys = JsonFields.Object(body, "device_keys") ?? throw MatrixException.MissingParam("device_keys is required");
            return Results.Json(await m.Send(new QueryKeysCommand(r, deviceKeys, Timeout(body, QueryKeysHandler.DefaultTimeout)), ct));
        });
        keys.MapPost("/claim", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            var oneTimeKeys = JsonFields.Object(body, "one_time_keys") ?? throw MatrixException.MissingParam("one_time_keys is required");
            return Results.Json(await m.Send(new ClaimKeysCommand(r, oneTimeKeys, Timeout(body, QueryKeysHandler.DefaultTimeout)), ct));
        });
        keys.MapGet("/changes", async (Requester r, string? from, string? to, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new KeysChangesQuery(r, from, to), ct)));
        keys.MapPost("/device_signing/upload", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadObjectAsync(http);
            await m.Send(new UploadSigningKeysCommand(r, body, UiaRequest.From(http, JsonFields.Object(body, "auth"), r)), ct);
            return Results.Json(new JsonObject());
        }).DenyGuests();
        keys.MapPost("/signatures/upload", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
            Results.Json(await m.Send(new UploadSignaturesCommand(r, await JsonBody.ReadObjectAsync(http)), ct))).DenyGuests();
        return app;
    }

    /// <summary>The body's timeout in milliseconds, bounded; the default when absent.</summary>
    private static TimeSpan Timeout(JsonObject body, TimeSpan fallback)
    {
        var (present, value) = JsonFields.NullableInteger(body, "timeout");
        if (!present || value is null) return fallback;
        return TimeSpan.FromMilliseconds(Math.Clamp(value.Value, 0, (long)MaxTimeout.TotalMilliseconds));
    }
}
