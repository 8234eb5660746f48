using System.Net;
using System.Net.Http.Headers;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

public sealed class UploadLimitTests : IAsyncLifetime
{
    private const int Limit = 1000;
    private TestHomeserver _server = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(s => s["Homeserver:Media:MaxUploadBytes"] = Limit.ToString());
        _token = await MediaTestAccounts.CreateAsync(_server, "limited");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_upload_at_the_limit_is_accepted()
    {
        var bytes = new byte[Limit];
        var (serverName, mediaId) = await _server.Http.UploadOkAsync(bytes, "application/octet-stream", _token);
        Assert.Equal(bytes, (await _server.Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token)).OkBytes());
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_413_before_reading()
    {
        (await _server.Http.UploadAsync(new byte[Limit + 1], "application/octet-stream", _token)).Matrix.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_while_streaming()
    {
        // No Content-Length: the server has to count.
        using var content = new StreamContent(new MemoryStream(new byte[Limit * 5]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await _server.Http.SendRawAsync(HttpMethod.Post, MediaHttp.LegacyUpload, content, _token, r => r.Headers.TransferEncodingChunked = true);
        response.Matrix.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_server.DataDirectory, "media", "tmp")));
    }

    [Fact]
    public async Task The_limit_applies_to_async_uploads_too()
    {
        var created = (await _server.Http.PostJsonAsync("/_matrix/media/v1/create", null, _token)).Ok();
        var (serverName, mediaId) = MediaHttp.ParseMxc(created["content_uri"]!.GetValue<string>());
        var path = $"/_matrix/media/v3/upload/{serverName}/{mediaId}";
        (await _server.Http.UploadAsync(new byte[Limit + 1], "text/plain", _token, path: path, method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
        // The ID is still pending and can take a smaller body.
        (await _server.Http.UploadAsync([1, 2], "text/plain", _token, path: path, method: HttpMethod.Put)).Matrix.Ok();
    }

    [Fact]
    public async Task Config_reports_the_configured_limit()
    {
        Assert.Equal(Limit, (await _server.Http.GetJsonAsync("/_matrix/client/v1/media/config", _token)).Ok()["m.upload.size"]!.GetValue<long>());
    }
}
