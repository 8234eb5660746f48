using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>Test helpers: /sync over HTTP and readers for the parts of its answer.</summary>
public static class SyncClient
{
    public static async Task<JsonObject> SyncAsync(this TestHomeserver server, TestUser user, string? since = null, string? filter = null,
        int timeoutMs = 0, bool fullState = false, string? setPresence = null, bool useStateAfter = false)
    {
        var response = await server.Http.GetJsonAsync(SyncPath(since, filter, timeoutMs, fullState, setPresence, useStateAfter), user.AccessToken);
        return response.Ok();
    }

    public static string SyncPath(string? since = null, string? filter = null, int timeoutMs = 0, bool fullState = false, string? setPresence = null, bool useStateAfter = false)
    {
        var query = new List<string>();
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since));
        if (filter is not null) query.Add("filter=" + Uri.EscapeDataString(filter));
        if (timeoutMs > 0) query.Add("timeout=" + timeoutMs);
        if (fullState) query.Add("full_state=true");
        if (setPresence is not null) query.Add("set_presence=" + setPresence);
        if (useStateAfter) query.Add("use_state_after=true");
        return "/_matrix/client/v3/sync" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    public static string NextBatch(this JsonObject sync) => sync["next_batch"]!.GetValue<string>();

    public static JsonObject? JoinedRoom(this JsonObject sync, string roomId) => sync["rooms"]?["join"]?[roomId] as JsonObject;

    public static JsonObject? Section(this JsonObject sync, string section, string roomId) => sync["rooms"]?[section]?[roomId] as JsonObject;

    public static List<JsonObject> Events(this JsonObject? room, string part) =>
        room?[part]?["events"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];

    public static List<string> EventIds(this JsonObject? room, string part) => [.. room.Events(part).Select(e => e["event_id"]!.GetValue<string>())];

    public static string? Str(this JsonNode? node, string key) => node?[key]?.GetValue<string>();

    /// <summary>The state event of the given type and key in a room's state section, or null.</summary>
    public static JsonObject? StateEvent(this JsonObject? room, string type, string stateKey = "", string part = "state") =>
        room.Events(part).FirstOrDefault(e => e.Str("type") == type && e.Str("state_key") == stateKey);
}
