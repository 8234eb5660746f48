using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>An HTTP answer with its JSON body parsed (null when the body is empty or not JSON).</summary>
public sealed record MatrixResponse(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Raw)
{
    public JsonObject Object => Body as JsonObject ?? throw new InvalidOperationException($"expected a JSON object, got {Status}: {Body}");
    public string? ErrCode => (Body as JsonObject)?["errcode"]?.GetValue<string>();

    /// <summary>Asserts a 200 and returns the body object.</summary>
    public JsonObject Ok()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Body?.ToJsonString()}");
        return Object;
    }

    /// <summary>Asserts the status and errcode of an error answer.</summary>
    public void IsError(HttpStatusCode status, string errCode)
    {
        Assert.True(Status == status && ErrCode == errCode, $"expected {(int)status} {errCode}, got {(int)Status}: {Body?.ToJsonString()}");
    }
}

/// <summary>Raw JSON requests to a test server, optionally with an access token.</summary>
public static class MatrixHttp
{
    public static async Task<MatrixResponse> SendAsync(this HttpClient http, HttpMethod method, string path, JsonNode? body = null, string? accessToken = null, string? rawBody = null,
        byte[]? rawBytes = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (rawBytes is not null) request.Content = new ByteArrayContent(rawBytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        else if (rawBody is not null) request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try { json = JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { }
        }

        return new MatrixResponse(response.StatusCode, json, response);
    }

    public static Task<MatrixResponse> GetJsonAsync(this HttpClient http, string path, string? accessToken = null) =>
        http.SendAsync(HttpMethod.Get, path, null, accessToken);

    public static Task<MatrixResponse> PostJsonAsync(this HttpClient http, string path, JsonNode? body, string? accessToken = null) =>
        http.SendAsync(HttpMethod.Post, path, body ?? new JsonObject(), accessToken);

    public static Task<MatrixResponse> PutJsonAsync(this HttpClient http, string path, JsonNode? body, string? accessToken = null) =>
        http.SendAsync(HttpMethod.Put, path, body ?? new JsonObject(), accessToken);

    public static Task<MatrixResponse> DeleteJsonAsync(this HttpClient http, string path, string? accessToken = null) =>
        http.SendAsync(HttpMethod.Delete, path, null, accessToken);
}
