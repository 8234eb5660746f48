using System.Net;
using Matrix.Homeserver.Media.Remote;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>Remote media through the cache, with federation fetching replaced by a test double.</summary>
public sealed class RemoteMediaTests : IAsyncLifetime
{
    private const string Origin = "remote.example:8448";
    private readonly FakeRemoteMediaServer _remote = new();
    private TestHomeserver _server = null!;
    private string _token = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(
            s => s["Homeserver:Media:MaxUploadBytes"] = "100000",
            services: services => services.AddSingleton<IRemoteMediaFetcher>(_remote));
        _token = await MediaTestAccounts.CreateAsync(_server, "reader");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Remote_media_is_fetched_once_then_served_from_the_cache()
    {
        var bytes = new byte[5000];
        new Random(7).NextBytes(bytes);
        _remote.Add(Origin, "remoteFile1", "application/pdf", "report.pdf", bytes);
        var before = _remote.Fetches;

        var path = $"/_matrix/client/v1/media/download/{Origin}/remoteFile1";
        var first = await Http.GetRawAsync(path, _token);
        Assert.Equal(bytes, first.OkBytes());
        Assert.Equal("attachment; filename=\"report.pdf\"", first.Header("Content-Disposition"));
        Assert.Equal(bytes, (await Http.GetRawAsync(path, _token)).OkBytes());
        Assert.Equal(bytes, (await Http.GetRawAsync(path + "?allow_remote=false", _token)).OkBytes());
        Assert.Equal(before + 1, _remote.Fetches);
    }

    [Fact]
    public async Task Allow_remote_false_does_not_fetch()
    {
        _remote.Add(Origin, "notFetched", "text/plain", null, [1]);
        var before = _remote.Fetches;
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{Origin}/notFetched?allow_remote=false", _token)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Equal(before, _remote.Fetches);
    }

    [Fact]
    public async Task Remote_media_over_the_limit_is_502_too_large()
    {
        _remote.Add(Origin, "hugeFile", "application/octet-stream", null, new byte[100_001]);
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{Origin}/hugeFile", _token)).Matrix.IsError(HttpStatusCode.BadGateway, "M_TOO_LARGE");
    }

    [Fact]
    public async Task Media_missing_on_the_remote_server_is_404()
    {
        (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{Origin}/missingOne", _token)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Remote_images_are_thumbnailed_from_the_cached_copy()
    {
        _remote.Add(Origin, "remoteImage", "image/png", null, TestImages.Make(500, 500, SKEncodedImageFormat.Png));
        var thumbnail = await Http.GetRawAsync($"/_matrix/client/v1/media/thumbnail/{Origin}/remoteImage?width=96&height=96&method=crop", _token);
        Assert.Equal((SKEncodedImageFormat.Png, 96, 96), TestImages.Inspect(thumbnail.OkBytes()));
    }

    [Fact]
    public async Task Concurrent_requests_share_one_fetch()
    {
        _remote.Add(Origin, "popular", "text/plain", null, new byte[50_000]);
        var before = _remote.Fetches;
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Http.GetRawAsync($"/_matrix/client/v1/media/download/{Origin}/popular", _token)));
        Assert.All(answers, a => Assert.Equal(50_000, a.OkBytes().Length));
        Assert.Equal(before + 1, _remote.Fetches);
    }
}
