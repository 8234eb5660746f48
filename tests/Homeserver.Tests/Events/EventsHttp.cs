using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>The room events endpoints as a client calls them.</summary>
internal static class EventsHttp
{
    private static int _txn;

    public static string Room(string roomId) => "/_matrix/client/v3/rooms/" + Uri.EscapeDataString(roomId);

    public static string RoomV1(string roomId) => "/_matrix/client/v1/rooms/" + Uri.EscapeDataString(roomId);

    public static string NextTxn() => "txn" + Interlocked.Increment(ref _txn);

    public static Task<MatrixResponse> SendAsync(this TestHomeserver server, TestUser user, string roomId, string type, JsonObject content, string? txnId = null) =>
        server.Http.PutJsonAsync($"{Room(roomId)}/send/{Uri.EscapeDataString(type)}/{txnId ?? NextTxn()}", content, user.AccessToken);

    /// <summary>Sends and returns the new event's ID, asserting success.</summary>
    public static async Task<string> SendOkAsync(this TestHomeserver server, TestUser user, string roomId, string type, JsonObject content) =>
        (await server.SendAsync(user, roomId, type, content)).Ok()["event_id"]!.GetValue<string>();

    public static Task<string> SayAsync(this TestHomeserver server, TestUser user, string roomId, string body, JsonObject? relatesTo = null)
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        if (relatesTo is not null) content["m.relates_to"] = relatesTo;
        return server.SendOkAsync(user, roomId, "m.room.message", content);
    }

    public static Task<MatrixResponse> RedactAsync(this TestHomeserver server, TestUser user, string roomId, string eventId, JsonObject? body = null, string? txnId = null) =>
        server.Http.PutJsonAsync($"{Room(roomId)}/redact/{Uri.EscapeDataString(eventId)}/{txnId ?? NextTxn()}", body ?? new JsonObject(), user.AccessToken);

    public static Task<MatrixResponse> GetEventAsync(this TestHomeserver server, TestUser user, string roomId, string eventId) =>
        server.Http.GetJsonAsync($"{Room(roomId)}/event/{Uri.EscapeDataString(eventId)}", user.AccessToken);

    /// <summary>GET /messages with raw query parameters (values escaped here).</summary>
    public static Task<MatrixResponse> MessagesAsync(this TestHomeserver server, TestUser user, string roomId, params (string Name, string Value)[] query) =>
        server.Http.GetJsonAsync($"{Room(roomId)}/messages{Query(query)}", user.AccessToken);

    public static string Query(params (string Name, string Value)[] query) =>
        query.Length == 0 ? "" : "?" + string.Join('&', query.Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value)}"));

    public static List<string> EventIds(JsonNode? chunk) => [.. chunk!.AsArray().Select(e => e!["event_id"]!.GetValue<string>())];

    public static List<string> Bodies(JsonNode? chunk) =>
        [.. chunk!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>())];

    public static JsonObject Thread(string rootId) => new() { ["rel_type"] = "m.thread", ["event_id"] = rootId };

    /// <summary>The content of a reaction (m.annotation) to an event.</summary>
    public static JsonObject Reaction(string eventId, string key) => new()
    {
        ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = eventId, ["key"] = key },
    };

    /// <summary>The content of an event that m.reference's another.</summary>
    public static JsonObject Reference(string eventId) => new()
    {
        ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.reference", ["event_id"] = eventId },
    };

    public static JsonObject Edit(string originalId, string newBody) => new()
    {
        ["msgtype"] = "m.text",
        ["body"] = "* " + newBody,
        ["m.new_content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = newBody },
        ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = originalId },
    };
}
