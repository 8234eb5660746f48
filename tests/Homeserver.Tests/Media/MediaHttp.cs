using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>An answer kept as bytes (media is not JSON); <see cref="Matrix"/> parses an error or JSON body.</summary>
public sealed record RawResponse(HttpStatusCode Status, byte[] Bytes, HttpResponseMessage Raw)
{
    public MatrixResponse Matrix => new(Status, Raw.Content.Headers.ContentType?.MediaType == "application/json" && Bytes.Length > 0 ? JsonNode.Parse(Bytes) : null, Raw);

    /// <summary>A response or content header's value, or null.</summary>
    public string? Header(string name) =>
        Raw.Headers.TryGetValues(name, out var values) || Raw.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    public byte[] OkBytes()
    {
        // The message is built only on failure: bodies here can be tens of megabytes.
        if (Status != HttpStatusCode.OK) Assert.Fail($"expected 200, got {(int)Status}: {System.Text.Encoding.UTF8.GetString(Bytes)}");
        return Bytes;
    }
}

/// <summary>Raw-bytes requests of the content repository.</summary>
public static class MediaHttp
{
    public const string LegacyUpload = "/_matrix/media/v3/upload";

    public static async Task<RawResponse> UploadAsync(this HttpClient http, byte[] bytes, string? contentType, string? accessToken, string? fileName = null, string path = LegacyUpload, HttpMethod? method = null)
    {
        var query = fileName is null ? "" : "?filename=" + Uri.EscapeDataString(fileName);
        using var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await http.SendRawAsync(method ?? HttpMethod.Post, path + query, content, accessToken);
    }

    /// <summary>Uploads through the legacy POST and returns the mxc:// URI's parts.</summary>
    public static async Task<(string ServerName, string MediaId)> UploadOkAsync(this HttpClient http, byte[] bytes, string contentType, string accessToken, string? fileName = null)
    {
        var response = await http.UploadAsync(bytes, contentType, accessToken, fileName);
        return ParseMxc(response.Matrix.Ok()["content_uri"]!.GetValue<string>());
    }

    public static (string ServerName, string MediaId) ParseMxc(string uri)
    {
        Assert.StartsWith("mxc://", uri, StringComparison.Ordinal);
        var parts = uri["mxc://".Length..].Split('/');
        Assert.Equal(2, parts.Length);
        return (parts[0], parts[1]);
    }

    public static async Task<RawResponse> SendRawAsync(this HttpClient http, HttpMethod method, string path, HttpContent? content, string? accessToken, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (accessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        configure?.Invoke(request);
        var response = await http.SendAsync(request);
        return new RawResponse(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    public static Task<RawResponse> GetRawAsync(this HttpClient http, string path, string? accessToken = null, Action<HttpRequestMessage>? configure = null) =>
        http.SendRawAsync(HttpMethod.Get, path, null, accessToken, configure);
}
