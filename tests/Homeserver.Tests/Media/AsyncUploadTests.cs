using System.Net;
using Matrix.Homeserver.Media.Uploads;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Media;

public sealed class AsyncUploadTests : IAsyncLifetime
{
    private const int MaxPending = 3;
    private readonly ShiftableClock _clock = new();
    private TestHomeserver _server = null!;
    private string _alice = null!;
    private string _bob = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(
            s => s["Homeserver:Media:MaxPendingUploadsPerUser"] = MaxPending.ToString(),
            services: services => services.AddSingleton<TimeProvider>(_clock));
        _alice = await MediaTestAccounts.CreateAsync(_server, "alice");
        _bob = await MediaTestAccounts.CreateAsync(_server, "bob");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(string ServerName, string MediaId, long ExpiresAt)> CreateAsync(string token)
    {
        var body = (await Http.PostJsonAsync("/_matrix/media/v1/create", null, token)).Ok();
        var (serverName, mediaId) = MediaHttp.ParseMxc(body["content_uri"]!.GetValue<string>());
        return (serverName, mediaId, body["unused_expires_at"]!.GetValue<long>());
    }

    private static string UploadPath(string serverName, string mediaId) => $"/_matrix/media/v3/upload/{serverName}/{mediaId}";

    [Fact]
    public async Task Create_then_put_then_download()
    {
        var (serverName, mediaId, expiresAt) = await CreateAsync(_alice);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.InRange(expiresAt - now, TimeSpan.FromHours(23).TotalMilliseconds, TimeSpan.FromHours(24).TotalMilliseconds);

        var put = await Http.UploadAsync("hello"u8.ToArray(), "text/plain", _alice, "hello.txt", UploadPath(serverName, mediaId), HttpMethod.Put);
        Assert.Empty(put.Matrix.Ok());
        var download = await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _alice);
        Assert.Equal("hello"u8.ToArray(), download.OkBytes());
        Assert.Equal("inline; filename=\"hello.txt\"", download.Header("Content-Disposition"));
    }

    [Fact]
    public async Task Pending_media_is_not_yet_uploaded_and_a_waiting_download_gets_it()
    {
        var (serverName, mediaId, _) = await CreateAsync(_alice);
        var path = $"/_matrix/client/v1/media/download/{serverName}/{mediaId}";
        (await Http.GetRawAsync(path + "?timeout_ms=0", _alice)).Matrix.IsError(HttpStatusCode.GatewayTimeout, "M_NOT_YET_UPLOADED");
        (await Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}?timeout_ms=100")).Matrix.IsError(HttpStatusCode.GatewayTimeout, "M_NOT_YET_UPLOADED");

        var waiting = Http.GetRawAsync(path + "?timeout_ms=15000", _alice);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        (await Http.UploadAsync([4, 5, 6], "application/octet-stream", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.Ok();
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([4, 5, 6], answer.OkBytes());
    }

    [Fact]
    public async Task Uploaded_media_cannot_be_overwritten()
    {
        var (serverName, mediaId, _) = await CreateAsync(_alice);
        (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.Ok();
        (await Http.UploadAsync([2], "text/plain", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put))
            .Matrix.IsError(HttpStatusCode.Conflict, "M_CANNOT_OVERWRITE_MEDIA");
        Assert.Equal([1], (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _alice)).OkBytes());
    }

    [Fact]
    public async Task Racing_uploads_to_one_id_store_exactly_one()
    {
        var (serverName, mediaId, _) = await CreateAsync(_alice);
        var attempts = await Task.WhenAll(Enumerable.Range(1, 4).Select(i =>
            Http.UploadAsync(Enumerable.Repeat((byte)i, 50_000).ToArray(), "application/octet-stream", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)));
        Assert.Single(attempts, a => a.Status == HttpStatusCode.OK);
        Assert.All(attempts.Where(a => a.Status != HttpStatusCode.OK), a => a.Matrix.IsError(HttpStatusCode.Conflict, "M_CANNOT_OVERWRITE_MEDIA"));
        var stored = (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _alice)).OkBytes();
        Assert.Single(stored.Distinct());
    }

    [Fact]
    public async Task Only_the_creator_may_upload()
    {
        var (serverName, mediaId, _) = await CreateAsync(_alice);
        (await Http.UploadAsync([1], "text/plain", _bob, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Unknown_or_foreign_ids_are_404_and_malformed_ones_400()
    {
        (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath(_server.ServerName, "neverCreated"), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath("other.example", "abc"), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath(_server.ServerName, "a.b"), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        // A legacy-uploaded ID was never pending: it already has content.
        var (serverName, mediaId) = await Http.UploadOkAsync([1], "text/plain", _alice);
        (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.Conflict, "M_CANNOT_OVERWRITE_MEDIA");
    }

    [Fact]
    public async Task Pending_uploads_per_user_are_bounded_and_expire()
    {
        var carol = await MediaTestAccounts.CreateAsync(_server, "carol");
        for (var i = 0; i < MaxPending; i++) await CreateAsync(carol);
        var refused = await Http.PostJsonAsync("/_matrix/media/v1/create", null, carol);
        refused.IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
        Assert.True(refused.Object["retry_after_ms"]!.GetValue<long>() > 0);
        // Another user is not affected.
        await CreateAsync(_bob);

        _clock.Offset += TimeSpan.FromHours(25);
        try
        {
            // Expired IDs free their slots, cannot be uploaded to, and are gone for downloads.
            var (serverName, mediaId, _) = await CreateAsync(carol);
            var removed = await _server.Services.GetRequiredService<ExpiredUploadCleanup>().RunOnceAsync(CancellationToken.None);
            Assert.True(removed >= MaxPending);
            (await Http.UploadAsync([1], "text/plain", carol, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.Ok();
        }
        finally
        {
            _clock.Offset -= TimeSpan.FromHours(25);
        }
    }

    [Fact]
    public async Task Concurrent_creates_never_exceed_the_pending_bound()
    {
        var dave = await MediaTestAccounts.CreateAsync(_server, "dave");
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Http.PostJsonAsync("/_matrix/media/v1/create", null, dave)));
        var created = answers.Count(a => a.Status == HttpStatusCode.OK);
        Assert.InRange(created, 0, MaxPending);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => a.IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED"));
        // Withdrawn IDs are really gone: exactly the remaining slots can still be filled, one by one.
        for (var i = created; i < MaxPending; i++) (await Http.PostJsonAsync("/_matrix/media/v1/create", null, dave)).Ok();
        (await Http.PostJsonAsync("/_matrix/media/v1/create", null, dave)).IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
    }

    [Fact]
    public async Task An_expired_id_is_404_for_uploads_and_downloads()
    {
        var (serverName, mediaId, _) = await CreateAsync(_alice);
        _clock.Offset += TimeSpan.FromHours(25);
        try
        {
            (await Http.UploadAsync([1], "text/plain", _alice, path: UploadPath(serverName, mediaId), method: HttpMethod.Put)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
            (await Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _alice)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        }
        finally
        {
            _clock.Offset -= TimeSpan.FromHours(25);
        }
    }
}
