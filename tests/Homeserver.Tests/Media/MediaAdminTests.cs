using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

public sealed class MediaAdminTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private string _admin = null!;
    private string _user = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync();
        _admin = await MediaTestAccounts.CreateAsync(_server, "admin", isAdmin: true);
        _user = await MediaTestAccounts.CreateAsync(_server, "user");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Delete_removes_the_media_and_its_files()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([1, 2, 3], "text/plain", _user);
        var deleted = (await Http.DeleteJsonAsync($"/_synapse/admin/v1/media/{serverName}/{mediaId}", _admin)).Ok();
        Assert.Equal(mediaId, deleted["deleted_media"]![0]!.GetValue<string>());
        Assert.Equal(1, deleted["total"]!.GetValue<int>());
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _user)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_server.DataDirectory, "media", "local"), mediaId, SearchOption.AllDirectories));
        (await Http.DeleteJsonAsync($"/_synapse/admin/v1/media/{serverName}/{mediaId}", _admin)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Delete_works_for_a_pending_upload_without_content()
    {
        var created = (await Http.PostJsonAsync("/_matrix/media/v1/create", null, _user)).Ok();
        var (serverName, mediaId) = MediaHttp.ParseMxc(created["content_uri"]!.GetValue<string>());
        (await Http.DeleteJsonAsync($"/_synapse/admin/v1/media/{serverName}/{mediaId}", _admin)).Ok();
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}?timeout_ms=0", _user)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Quarantined_media_is_hidden_until_released()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([4], "text/plain", _user);
        var path = $"/_matrix/client/v1/media/download/{serverName}/{mediaId}";
        Assert.Empty((await Http.PostJsonAsync($"/_synapse/admin/v1/media/quarantine/{serverName}/{mediaId}", null, _admin)).Ok());
        (await Http.GetRawAsync(path, _user)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}")).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Empty((await Http.PostJsonAsync($"/_synapse/admin/v1/media/unquarantine/{serverName}/{mediaId}", null, _admin)).Ok());
        Assert.Equal([4], (await Http.GetRawAsync(path, _user)).OkBytes());
    }

    [Fact]
    public async Task Only_server_admins_may_use_the_media_admin_api()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([5], "text/plain", _user);
        (await Http.DeleteJsonAsync($"/_synapse/admin/v1/media/{serverName}/{mediaId}", _user)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.PostJsonAsync($"/_synapse/admin/v1/media/quarantine/{serverName}/{mediaId}", null, _user)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.DeleteJsonAsync($"/_synapse/admin/v1/media/{serverName}/{mediaId}")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Remote_media_cannot_be_deleted_and_unknown_media_is_404()
    {
        (await Http.DeleteJsonAsync("/_synapse/admin/v1/media/other.example/abc", _admin)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.PostJsonAsync("/_synapse/admin/v1/media/quarantine/localhost/unknownMedia", null, _admin)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.DeleteJsonAsync("/_synapse/admin/v1/media/localhost/bad.id", _admin)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
