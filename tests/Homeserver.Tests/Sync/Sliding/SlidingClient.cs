using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync.Sliding;

/// <summary>Test helpers: simplified sliding sync over HTTP and readers for its answer.</summary>
public static class SlidingClient
{
    public const string Path = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

    public static Task<MatrixResponse> SlidingRawAsync(this TestHomeserver server, TestUser user, JsonObject body, string? pos = null, int timeoutMs = 0)
    {
        var query = new List<string>();
        if (pos is not null) query.Add("pos=" + Uri.EscapeDataString(pos));
        if (timeoutMs > 0) query.Add("timeout=" + timeoutMs);
        return server.Http.PostJsonAsync(Path + (query.Count > 0 ? "?" + string.Join('&', query) : ""), body, user.AccessToken);
    }

    public static async Task<JsonObject> SlidingAsync(this TestHomeserver server, TestUser user, JsonObject body, string? pos = null, int timeoutMs = 0) =>
        (await server.SlidingRawAsync(user, body, pos, timeoutMs)).Ok();

    /// <summary>A body with one list "all" over the given range.</summary>
    public static JsonObject ListBody(int start, int end, int timelineLimit = 5, JsonArray? requiredState = null, JsonObject? filters = null, string? connId = null)
    {
        var list = new JsonObject
        {
            ["ranges"] = new JsonArray(new JsonArray(start, end)),
            ["timeline_limit"] = timelineLimit,
            ["required_state"] = requiredState ?? new JsonArray(new JsonArray("m.room.name", ""), new JsonArray("m.room.create", "")),
        };
        if (filters is not null) list["filters"] = filters;
        var body = new JsonObject { ["lists"] = new JsonObject { ["all"] = list } };
        if (connId is not null) body["conn_id"] = connId;
        return body;
    }

    public static string Pos(this JsonObject answer) => answer["pos"]!.GetValue<string>();

    public static int Count(this JsonObject answer, string list = "all") => answer["lists"]![list]!["count"]!.GetValue<int>();

    public static JsonObject? Room(this JsonObject answer, string roomId) => answer["rooms"]?[roomId] as JsonObject;

    public static List<string> RoomIds(this JsonObject answer) => [.. answer["rooms"]!.AsObject().Select(r => r.Key)];

    public static List<JsonObject> Timeline(this JsonObject? room) => room?["timeline"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];

    public static List<string> TimelineIds(this JsonObject? room) => [.. room.Timeline().Select(e => e["event_id"]!.GetValue<string>())];

    public static List<(string Type, string StateKey)> RequiredState(this JsonObject? room) =>
        room?["required_state"]?.AsArray().Select(e => (e!["type"]!.GetValue<string>(), e["state_key"]!.GetValue<string>())).ToList() ?? [];

    public static void IsUnknownPos(this MatrixResponse response) => response.IsError(HttpStatusCode.BadRequest, "M_UNKNOWN_POS");
}
