using System.Diagnostics;
using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>preview_url against a loopback web site; only 127.0.0.1/32 is allowed, so every other loopback address stands in for an internal one.</summary>
public sealed class UrlPreviewTests : IAsyncLifetime
{
    private LoopbackWebSite _site = null!;
    private TestHomeserver _server = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _site = await LoopbackWebSite.StartAsync();
        _server = await TestHomeserver.StartAsync(s =>
        {
            s["Homeserver:Media:UrlPreview:Enabled"] = "true";
            s["Homeserver:Media:UrlPreview:AllowedNetworks:0"] = "127.0.0.1/32";
            s["Homeserver:Media:UrlPreview:TimeoutSeconds"] = "5";
        });
        _token = await MediaTestAccounts.CreateAsync(_server, "previewer");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _site.DisposeAsync();
    }

    private Task<MatrixResponse> PreviewAsync(string url, string version = "/_matrix/client/v1/media") =>
        _server.Http.GetJsonAsync($"{version}/preview_url?url={Uri.EscapeDataString(url)}", _token);

    [Fact]
    public async Task A_page_gives_its_opengraph_data_with_the_image_rehosted()
    {
        var preview = (await PreviewAsync(_site.Url("/page"))).Ok();
        Assert.Equal("Matrix & Friends", preview["og:title"]!.GetValue<string>());
        Assert.Equal("A \"quoted\" description", preview["og:description"]!.GetValue<string>());
        Assert.Equal("Example", preview["og:site_name"]!.GetValue<string>());
        Assert.Equal(120, preview["og:image:width"]!.GetValue<int>());
        Assert.Equal(60, preview["og:image:height"]!.GetValue<int>());
        Assert.Equal("image/png", preview["og:image:type"]!.GetValue<string>());
        Assert.Equal(LoopbackWebSite.Image.Length, preview["matrix:image:size"]!.GetValue<long>());

        var (serverName, mediaId) = MediaHttp.ParseMxc(preview["og:image"]!.GetValue<string>());
        Assert.Equal(LoopbackWebSite.Image, (await _server.Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token)).OkBytes());
    }

    [Fact]
    public async Task Title_and_description_fall_back_to_the_html_ones_and_the_legacy_path_works()
    {
        var preview = (await PreviewAsync(_site.Url("/plain"), "/_matrix/media/v3")).Ok();
        Assert.Equal("Just a title", preview["og:title"]!.GetValue<string>());
        Assert.Equal("Plain page", preview["og:description"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_image_url_previews_as_the_image()
    {
        var preview = (await PreviewAsync(_site.Url("/image.png"))).Ok();
        Assert.StartsWith("mxc://", preview["og:image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(120, preview["og:image:width"]!.GetValue<int>());
    }

    [Fact]
    public async Task Redirects_are_followed_a_bounded_number_of_times()
    {
        Assert.Equal("Matrix & Friends", (await PreviewAsync(_site.Url("/redirect"))).Ok()["og:title"]!.GetValue<string>());
        (await PreviewAsync(_site.Url("/loop"))).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        (await PreviewAsync(_site.Url("/to-file"))).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Theory]
    [InlineData("http://127.0.0.2:{port}/page")]
    [InlineData("http://[::1]:{port}/page")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/page")]
    [InlineData("http://0.0.0.0:{port}/page")]
    public async Task Internal_destinations_are_refused(string url)
    {
        (await PreviewAsync(url.Replace("{port}", _site.Port.ToString(), StringComparison.Ordinal))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData("/to-blocked")]
    [InlineData("/to-mapped")]
    public async Task Redirects_to_internal_destinations_are_refused(string path)
    {
        (await PreviewAsync(_site.Url(path))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task An_image_on_an_internal_destination_is_left_out()
    {
        var preview = (await PreviewAsync(_site.Url("/blocked-image"))).Ok();
        Assert.Equal("T", preview["og:title"]!.GetValue<string>());
        Assert.Null(preview["og:image"]);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/x")]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    public async Task Only_http_urls_are_accepted(string url)
    {
        (await PreviewAsync(url)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Failures_are_bounded_502s()
    {
        (await PreviewAsync(_site.Url("/missing"))).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        var clock = Stopwatch.StartNew();
        (await PreviewAsync(_site.Url("/slow"))).IsError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Large_pages_are_read_only_up_to_the_limit_and_other_types_preview_empty()
    {
        Assert.Equal("Big", (await PreviewAsync(_site.Url("/big"))).Ok()["og:title"]!.GetValue<string>());
        Assert.Empty((await PreviewAsync(_site.Url("/text"))).Ok());
    }

    [Fact]
    public async Task Parameters_and_authentication_are_checked()
    {
        (await _server.Http.GetJsonAsync("/_matrix/client/v1/media/preview_url", _token)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v1/media/preview_url?url=http://x&ts=yesterday", _token)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v1/media/preview_url?url={Uri.EscapeDataString(_site.Url("/page"))}")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
