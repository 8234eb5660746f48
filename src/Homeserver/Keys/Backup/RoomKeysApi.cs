using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Http;
using Mediator;

namespace Matrix.Homeserver.Keys.Backup;

/// <summary>Server-side key backups (spec "Server-side key backups"): versions and the keys stored in them.</summary>
public static class RoomKeysApi
{
    public static IEndpointRouteBuilder MapRoomKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/client/v3/room_keys").DenyGuests();
        group.MapPost("/version", async (Requester r, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var (algorithm, authData, _) = await ReadVersionBodyAsync(http);
            return Json(await m.Send(new CreateBackupVersion(r, algorithm, authData), ct));
        });
        group.MapGet("/version", async (Requester r, IMediator m, CancellationToken ct) => Json(await m.Send(new GetBackupVersion(r, null), ct)));
        group.MapGet("/version/{version}", async (Requester r, string version, IMediator m, CancellationToken ct) => Json(await m.Send(new GetBackupVersion(r, version), ct)));
        group.MapPut("/version/{version}", async (Requester r, string version, HttpRequest http, IMediator m, CancellationToken ct) =>
        {
            var (algorithm, authData, bodyVersion) = await ReadVersionBodyAsync(http);
            return Json(await m.Send(new UpdateBackupVersion(r, version, algorithm, authData, bodyVersion), ct));
        });
        group.MapDelete("/version/{version}", async (Requester r, string version, IMediator m, CancellationToken ct) => Json(await m.Send(new DeleteBackupVersion(r, version), ct)));

        group.MapPut("/keys", async (Requester r, string? version, HttpRequest http, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new PutRoomKeys(r, version, ParseRooms(JsonFields.Object(await JsonBody.ReadObjectAsync(http), "rooms") ?? new JsonObject())), ct)));
        group.MapPut("/keys/{roomId}", async (Requester r, string roomId, string? version, HttpRequest http, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new PutRoomKeys(r, version, new(StringComparer.Ordinal) { [roomId] = ParseSessions(await JsonBody.ReadObjectAsync(http)) }), ct)));
        group.MapPut("/keys/{roomId}/{sessionId}", async (Requester r, string roomId, string sessionId, string? version, HttpRequest http, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new PutRoomKeys(r, version, new(StringComparer.Ordinal)
            {
                [roomId] = new(StringComparer.Ordinal) { [sessionId] = RoomKeyData.Parse(await JsonBody.ReadObjectAsync(http)) },
            }), ct)));

        group.MapGet("/keys", async (Requester r, string? version, IMediator m, CancellationToken ct) => Json(await m.Send(new GetRoomKeys(r, version, null, null), ct)));
        group.MapGet("/keys/{roomId}", async (Requester r, string roomId, string? version, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new GetRoomKeys(r, version, roomId, null), ct)));
        group.MapGet("/keys/{roomId}/{sessionId}", async (Requester r, string roomId, string sessionId, string? version, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new GetRoomKeys(r, version, roomId, sessionId), ct)));

        group.MapDelete("/keys", async (Requester r, string? version, IMediator m, CancellationToken ct) => Json(await m.Send(new DeleteRoomKeys(r, version, null, null), ct)));
        group.MapDelete("/keys/{roomId}", async (Requester r, string roomId, string? version, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new DeleteRoomKeys(r, version, roomId, null), ct)));
        group.MapDelete("/keys/{roomId}/{sessionId}", async (Requester r, string roomId, string sessionId, string? version, IMediator m, CancellationToken ct) =>
            Json(await m.Send(new DeleteRoomKeys(r, version, roomId, sessionId), ct)));
        return app;
    }

    private static IResult Json(JsonObject body) => Results.Json(body);

    /// <remarks>
    /// auth_data is the algorithm's business, opaque to the server: the spec's algorithm has an object there, and any JSON
    /// value is kept as given, as Synapse keeps it (SyTest's backups use a string).
    /// </remarks>
    private static async Task<(string Algorithm, JsonNode AuthData, string? Version)> ReadVersionBodyAsync(HttpRequest http)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var algorithm = JsonFields.String(body, "algorithm") ?? throw MatrixException.MissingParam("algorithm is required");
        var authData = body["auth_data"]?.DeepClone() ?? throw MatrixException.MissingParam("auth_data is required");
        // The version is a string; older clients (and SyTest) echo it back as a number.
        var version = body["version"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? v.ToJsonString() : JsonFields.String(body, "version");
        return (algorithm, authData, version);
    }

    private static Dictionary<string, Dictionary<string, RoomKeyData>> ParseRooms(JsonObject rooms) =>
        rooms.ToDictionary(r => r.Key, r => ParseSessions(r.Value as JsonObject ?? throw MatrixException.BadJson("rooms values must be objects")), StringComparer.Ordinal);

    private static Dictionary<string, RoomKeyData> ParseSessions(JsonObject room)
    {
        var sessions = JsonFields.Object(room, "sessions") ?? throw MatrixException.MissingParam("sessions is required");
        return sessions.ToDictionary(s => s.Key, s => RoomKeyData.Parse(s.Value), StringComparer.Ordinal);
    }
}
