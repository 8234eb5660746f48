using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Matrix.Load;

/// <summary>The few Client-Server calls the load run needs, over one shared HttpClient.</summary>
public sealed class MatrixClient(HttpClient http, string accessToken, string userId)
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly AuthenticationHeaderValue _authorization = new("Bearer", accessToken);

    public string UserId { get; } = userId;

    /// <summary>The filter this user's <c>/sync</c> names (<see cref="UseSyncFilterAsync"/>); none when null.</summary>
    private string? _syncFilter;

    /// <summary>Open registration (with a UIA session when the server asks for one), or shared-secret registration when a secret is given.</summary>
    public static async Task<MatrixClient> RegisterAsync(HttpClient http, string username, string password, string? sharedSecret)
    {
        var result = sharedSecret is null
            ? await RegisterOpenAsync(http, username, password)
            : await RegisterWithSecretAsync(http, username, password, sharedSecret);
        return new MatrixClient(http, result["access_token"]!.GetValue<string>(), result["user_id"]!.GetValue<string>());
    }

    private static async Task<JsonObject> RegisterOpenAsync(HttpClient http, string username, string password)
    {
        var body = new JsonObject { ["username"] = username, ["password"] = password, ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        var response = await http.PostAsJsonAsync("/_matrix/client/v3/register", body);
        if (!response.IsSuccessStatusCode)
        {
            var challenge = await response.Content.ReadFromJsonAsync<JsonObject>();
            body["auth"]!["session"] = challenge?["session"]?.GetValue<string>();
            response = await http.PostAsJsonAsync("/_matrix/client/v3/register", body);
        }

        return await Ok(response);
    }

    /// <summary>Synapse's admin registration: a nonce, then an HMAC-SHA1 over nonce, user, password and admin flag.</summary>
    private static async Task<JsonObject> RegisterWithSecretAsync(HttpClient http, string username, string password, string sharedSecret)
    {
        const string path = "/_synapse/admin/v1/register";
        var nonce = (await Ok(await http.GetAsync(path)))["nonce"]!.GetValue<string>();
#pragma warning disable CA5350 // HMAC-SHA1 is what Synapse's shared-secret registration specifies.
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes($"{nonce}\0{username}\0{password}\0notadmin"));
#pragma warning restore CA5350
        var body = new JsonObject
        {
            ["nonce"] = nonce, ["username"] = username, ["password"] = password, ["admin"] = false, ["mac"] = Convert.ToHexStringLower(mac),
        };
        return await Ok(await http.PostAsJsonAsync(path, body));
    }

    public async Task<string> CreateRoomAsync() =>
        (await RequestAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", new JsonObject { ["preset"] = "public_chat" }))["room_id"]!.GetValue<string>();

    /// <summary>Joins a room; through <paramref name="via"/> when the room is on another server.</summary>
    public Task JoinAsync(string roomId, string? via = null) => RequestAsync(HttpMethod.Post,
        $"/_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}" + (via is null ? "" : $"?server_name={Uri.EscapeDataString(via)}"), new JsonObject());

    /// <summary>Sends a state event (PUT /rooms/{roomId}/state/{type}/{stateKey}).</summary>
    public Task SetStateAsync(string roomId, string type, string stateKey, JsonObject content) => RequestAsync(HttpMethod.Put,
        $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(stateKey)}", content);

    /// <summary>A message whose JSON was written once beforehand (<see cref="LoadRun.Message"/>): the timed sends serialize nothing.</summary>
    public async Task SendMessageAsync(string roomId, string txnId, OutgoingMessage message)
    {
        var content = new ByteArrayContent(message.Json) { Headers = { ContentType = JsonType } };
        using var response = await ExchangeAsync(HttpMethod.Put,
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{Uri.EscapeDataString(txnId)}", content, CancellationToken.None);
    }

    /// <summary>Uploads a filter (JSON) that every later <c>/sync</c> of this user names by its ID, as matrix-js-sdk does.</summary>
    public async Task UseSyncFilterAsync(string filterJson)
    {
        var filter = JsonNode.Parse(filterJson) as JsonObject ?? throw new ArgumentException($"not a JSON object: {filterJson}", nameof(filterJson));
        var answer = await RequestAsync(HttpMethod.Post, $"/_matrix/client/v3/user/{Uri.EscapeDataString(UserId)}/filter", filter);
        _syncFilter = Uri.EscapeDataString(answer["filter_id"]!.GetValue<string>());
    }

    /// <summary>Initial sync (no <paramref name="since"/>) or a long-poll of up to <paramref name="timeoutMs"/>.</summary>
    public async Task<SyncAnswer> SyncAsync(string? since, int timeoutMs, CancellationToken cancellationToken)
    {
        var path = $"/_matrix/client/v3/sync?timeout={timeoutMs}" + (since is null ? "" : $"&since={Uri.EscapeDataString(since)}")
            + (_syncFilter is null ? "" : $"&filter={_syncFilter}");
        using var response = await ExchangeAsync(HttpMethod.Get, path, null, cancellationToken);
        var json = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return SyncAnswer.Parse(json, Stopwatch.GetTimestamp());
    }

    /// <summary>A GET as this user whose answer need not be an object (e.g. a room's whole state): read, not parsed.</summary>
    public async Task GetAsync(string path)
    {
        using var response = await ExchangeAsync(HttpMethod.Get, path, null, CancellationToken.None);
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A password login as <paramref name="userId"/> (a new device): a client for that session.</summary>
    public static async Task<MatrixClient> LoginAsync(HttpClient http, string userId, string password)
    {
        var body = new JsonObject
        {
            ["type"] = "m.login.password", ["password"] = password,
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = userId },
        };
        var result = await Ok(await http.PostAsJsonAsync("/_matrix/client/v3/login", body));
        return new MatrixClient(http, result["access_token"]!.GetValue<string>(), result["user_id"]!.GetValue<string>());
    }

    /// <summary>Any request as this user with a JSON body (or none); its JSON answer, or an exception naming the failure.</summary>
    public async Task<JsonObject> RequestAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var response = await ExchangeAsync(method, path, body is null ? null : JsonContent.Create(body), CancellationToken.None);
        return await Ok(response);
    }

    /// <summary>One request as this user; the answer when it succeeded (the caller disposes it), else an exception naming it.</summary>
    private async Task<HttpResponseMessage> ExchangeAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = _authorization;
        var response = await http.SendAsync(request, cancellationToken);
        try
        {
            await EnsureSucceededAsync(response);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static async Task<JsonObject> Ok(HttpResponseMessage response)
    {
        await EnsureSucceededAsync(response);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? throw new HttpRequestException($"not a JSON object: {response.RequestMessage?.RequestUri?.AbsolutePath}");
    }

    private static async Task EnsureSucceededAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync();
        throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.AbsolutePath}: {text}");
    }
}
