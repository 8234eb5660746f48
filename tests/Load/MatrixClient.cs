using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Matrix.Load;

/// <summary>The few Client-Server calls the load run needs, over one shared HttpClient.</summary>
public sealed class MatrixClient(HttpClient http, string accessToken, string userId)
{
    public string UserId { get; } = userId;

    public static async Task<MatrixClient> RegisterAsync(HttpClient http, string username, string password)
    {
        var body = new JsonObject { ["username"] = username, ["password"] = password, ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        var response = await http.PostAsJsonAsync("/_matrix/client/v3/register", body);
        if (!response.IsSuccessStatusCode)
        {
            // Registration needs a UIA session first on servers that insist on one.
            var challenge = await response.Content.ReadFromJsonAsync<JsonObject>();
            body["auth"]!["session"] = challenge?["session"]?.GetValue<string>();
            response = await http.PostAsJsonAsync("/_matrix/client/v3/register", body);
        }

        var result = await Ok(response);
        return new MatrixClient(http, result["access_token"]!.GetValue<string>(), result["user_id"]!.GetValue<string>());
    }

    public async Task<string> CreateRoomAsync() =>
        (await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", new JsonObject { ["preset"] = "public_chat" }))["room_id"]!.GetValue<string>();

    public Task JoinAsync(string roomId) => SendAsync(HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", new JsonObject());

    public Task<JsonObject> SendMessageAsync(string roomId, string txnId, JsonObject content) =>
        SendAsync(HttpMethod.Put, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{txnId}", content);

    public Task<JsonObject> SyncAsync(string? since, int timeoutMs, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, since is null ? "/_matrix/client/v3/sync?timeout=0" : $"/_matrix/client/v3/sync?since={Uri.EscapeDataString(since)}&timeout={timeoutMs}", null, cancellationToken);

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, cancellationToken);
        return await Ok(response);
    }

    private static async Task<JsonObject> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.AbsolutePath}: {text}");
        return JsonNode.Parse(text) as JsonObject ?? throw new HttpRequestException("not a JSON object");
    }
}
