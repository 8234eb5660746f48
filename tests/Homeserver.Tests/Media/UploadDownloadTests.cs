using System.Net;
using System.Net.Http.Headers;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

public sealed class UploadDownloadTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private string _token = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync();
        _token = await MediaTestAccounts.CreateAsync(_server, "uploader");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Upload_then_download_is_byte_exact_on_the_authenticated_and_legacy_paths()
    {
        var bytes = new byte[300_000];
        new Random(42).NextBytes(bytes);
        var (serverName, mediaId) = await Http.UploadOkAsync(bytes, "application/octet-stream", _token);
        Assert.Equal(_server.ServerName, serverName);
        Assert.Matches("^[A-Za-z0-9]{24}$", mediaId);

        var authed = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token);
        Assert.Equal(bytes, authed.OkBytes());
        var legacy = await Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}");
        Assert.Equal(bytes, legacy.OkBytes());
    }

    [Fact]
    public async Task Uploads_larger_than_kestrels_default_body_limit_are_accepted()
    {
        // Kestrel refuses bodies over 30 MB by default; the media limit (50 MiB) is the one that applies.
        var bytes = new byte[31 * 1024 * 1024];
        new Random(5).NextBytes(bytes);
        var (serverName, mediaId) = await Http.UploadOkAsync(bytes, "application/octet-stream", _token);
        Assert.Equal(bytes, (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token)).OkBytes());
    }

    [Fact]
    public async Task Download_headers_keep_content_from_running_in_the_browser()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync("<script>alert(1)</script>"u8.ToArray(), "text/html", _token, "page.html");
        var response = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token);
        response.OkBytes();
        Assert.Equal("text/html", response.Raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment; filename=\"page.html\"", response.Header("Content-Disposition"));
        Assert.StartsWith("sandbox;", response.Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        Assert.Equal("cross-origin", response.Header("Cross-Origin-Resource-Policy"));
        Assert.Contains("private", response.Header("Cache-Control"), StringComparison.Ordinal);
        Assert.DoesNotContain("public", response.Header("Cache-Control"), StringComparison.Ordinal);

        var legacy = await Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}");
        Assert.Contains("public", legacy.Header("Cache-Control"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image/png", "inline")]
    [InlineData("text/plain; charset=utf-8", "inline")]
    [InlineData("video/mp4", "inline")]
    [InlineData("image/svg+xml", "attachment")]
    [InlineData("application/javascript", "attachment")]
    [InlineData("application/pdf", "attachment")]
    public async Task Only_safe_types_are_served_inline(string contentType, string disposition)
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([1, 2, 3], contentType, _token);
        var response = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token);
        response.OkBytes();
        Assert.Equal(disposition, response.Header("Content-Disposition"));
        Assert.Equal(contentType, response.Raw.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Missing_content_type_is_stored_as_octet_stream()
    {
        var response = await Http.UploadAsync([9, 9], contentType: null, _token);
        var (serverName, mediaId) = MediaHttp.ParseMxc(response.Matrix.Ok()["content_uri"]!.GetValue<string>());
        var download = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token);
        Assert.Equal("application/octet-stream", download.Raw.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Non_ascii_file_names_use_rfc5987_and_the_path_name_overrides_the_upload_name()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([1], "image/png", _token, "Ünïcode café.png");
        var response = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token);
        Assert.Equal("inline; filename*=utf-8''%C3%9Cn%C3%AFcode%20caf%C3%A9.png", response.Header("Content-Disposition"));

        var renamed = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}/other%20%22name%22.png", _token);
        Assert.Equal("inline; filename=\"other \\\"name\\\".png\"", renamed.Header("Content-Disposition"));
        var legacyRenamed = await Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}/plain.png");
        Assert.Equal("inline; filename=\"plain.png\"", legacyRenamed.Header("Content-Disposition"));
    }

    [Fact]
    public async Task Range_requests_and_etags_are_answered()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var (serverName, mediaId) = await Http.UploadOkAsync(bytes, "application/octet-stream", _token);
        var path = $"/_matrix/client/v1/media/download/{serverName}/{mediaId}";
        var partial = await Http.GetRawAsync(path, _token, r => r.Headers.Range = new RangeHeaderValue(100, 199));
        Assert.Equal(HttpStatusCode.PartialContent, partial.Status);
        Assert.Equal(bytes[100..200], partial.Bytes);

        var full = await Http.GetRawAsync(path, _token);
        var etag = full.Raw.Headers.ETag!;
        Assert.Equal(66, etag.Tag.Length); // the quoted SHA-256 of the content
        var revalidated = await Http.GetRawAsync(path, _token, r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, revalidated.Status);
    }

    [Theory]
    [InlineData("/_matrix/client/v1/media/download/localhost/abc")]
    [InlineData("/_matrix/client/v1/media/download/localhost/abc/name.txt")]
    [InlineData("/_matrix/client/v1/media/thumbnail/localhost/abc?width=32&height=32")]
    [InlineData("/_matrix/client/v1/media/config")]
    [InlineData("/_matrix/media/v3/config")]
    public async Task Authenticated_endpoints_refuse_anonymous_and_unknown_tokens(string path)
    {
        (await Http.GetRawAsync(path)).Matrix.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await Http.GetRawAsync(path, "not-a-token")).Matrix.IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Uploads_need_an_access_token()
    {
        (await Http.UploadAsync([1], "text/plain", accessToken: null)).Matrix.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await Http.SendRawAsync(HttpMethod.Post, "/_matrix/media/v1/create", null, null)).Matrix.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Guests_may_download_but_not_upload()
    {
        var guest = await MediaTestAccounts.CreateAsync(_server, "guest", isGuest: true);
        (await Http.UploadAsync([1], "text/plain", guest)).Matrix.IsError(HttpStatusCode.Forbidden, "M_GUEST_ACCESS_FORBIDDEN");
        (await Http.PostJsonAsync("/_matrix/media/v1/create", null, guest)).IsError(HttpStatusCode.Forbidden, "M_GUEST_ACCESS_FORBIDDEN");
        var (serverName, mediaId) = await Http.UploadOkAsync([8], "text/plain", _token);
        Assert.Equal([8], (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", guest)).OkBytes());
    }

    [Fact]
    public async Task Config_reports_the_upload_limit()
    {
        var expected = new Matrix.Homeserver.Configuration.MediaOptions().MaxUploadBytes;
        Assert.Equal(expected, (await Http.GetJsonAsync("/_matrix/client/v1/media/config", _token)).Ok()["m.upload.size"]!.GetValue<long>());
        Assert.Equal(expected, (await Http.GetJsonAsync("/_matrix/media/v3/config", _token)).Ok()["m.upload.size"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("abc.def")]
    [InlineData("abc%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("..%2F..%2F..%2Fsigning.key")]
    [InlineData("%C3%A9t%C3%A9")]
    public async Task Media_ids_outside_the_safe_alphabet_are_refused_before_the_disk(string mediaId)
    {
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/localhost/{mediaId}", _token)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.GetRawAsync($"/_matrix/media/v3/download/localhost/{mediaId}")).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.GetRawAsync($"/_matrix/client/v1/media/thumbnail/localhost/{mediaId}?width=32&height=32", _token)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData("exa_mple.org")]
    [InlineData("host:99999")]
    [InlineData("%2E%2E%2F%2E%2E")]
    public async Task Server_names_outside_the_grammar_are_refused(string serverName)
    {
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/abcdef", _token)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData("/_matrix/media/v3/download/localhost/../../../../etc/passwd")]
    [InlineData("/_matrix/media/v3/download/localhost/..%5C..%5Cetc")]
    [InlineData("/_matrix/media/v3/download/localhost/%2E%2E")]
    [InlineData("/_matrix/media/v3/download/localhost/abc%00def")]
    [InlineData("/_matrix/media/v3/download/../abcdef")]
    public async Task Traversal_in_the_raw_path_never_reaches_a_file(string path)
    {
        // Dot segments are normalised away (no route matches) and NUL is a bad request to Kestrel;
        // whatever reaches a media route is refused by the media ID check.
        var response = await Http.GetRawAsync(path);
        Assert.True(response.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.Status}");
        Assert.DoesNotContain("root:", System.Text.Encoding.UTF8.GetString(response.Bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_media_is_404()
    {
        (await Http.GetRawAsync("/_matrix/client/v1/media/download/localhost/doesnotexist", _token)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetRawAsync("/_matrix/media/v3/download/localhost/doesnotexist")).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Remote_media_is_404_until_federation_can_fetch_it()
    {
        (await Http.GetRawAsync("/_matrix/client/v1/media/download/other.example/abcdef", _token)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetRawAsync("/_matrix/client/v1/media/download/other.example/abcdef?allow_remote=false", _token)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Theory]
    [InlineData("allow_remote=yes")]
    [InlineData("timeout_ms=-1")]
    [InlineData("timeout_ms=soon")]
    [InlineData("allow_redirect=1")]
    public async Task Malformed_query_parameters_are_invalid_params(string query)
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([1], "text/plain", _token);
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}?{query}", _token)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Redirect_and_timeout_parameters_are_accepted()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([7], "text/plain", _token);
        var response = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}?allow_redirect=true&timeout_ms=5000&allow_remote=false", _token);
        Assert.Equal([7], response.OkBytes());
    }

    [Fact]
    public async Task File_names_with_control_characters_or_too_long_are_refused()
    {
        (await Http.UploadAsync([1], "text/plain", _token, "bad\nname.txt")).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.UploadAsync([1], "text/plain", _token, new string('a', 256))).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Url_previews_are_off_by_default()
    {
        (await Http.GetJsonAsync("/_matrix/client/v1/media/preview_url?url=https%3A%2F%2Fmatrix.org", _token)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await Http.GetJsonAsync("/_matrix/media/v3/preview_url?url=https%3A%2F%2Fmatrix.org", _token)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Empty_uploads_are_stored_and_served()
    {
        var (serverName, mediaId) = await Http.UploadOkAsync([], "text/plain", _token);
        Assert.Empty((await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token)).OkBytes());
    }
}
