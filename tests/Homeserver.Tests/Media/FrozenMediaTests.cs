using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;
using SkiaSharp;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>FreezeUnauthenticatedMedia: new media only through the authenticated endpoints.</summary>
public sealed class FrozenMediaTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(s => s["Homeserver:Media:FreezeUnauthenticatedMedia"] = "true");
        _token = await MediaTestAccounts.CreateAsync(_server, "frozen");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Media_stored_while_frozen_is_not_served_on_the_legacy_paths()
    {
        var (serverName, mediaId) = await _server.Http.UploadOkAsync(TestImages.Make(200, 200, SKEncodedImageFormat.Png), "image/png", _token);
        (await _server.Http.GetRawAsync($"/_matrix/client/v1/media/download/{serverName}/{mediaId}", _token)).OkBytes();
        (await _server.Http.GetRawAsync($"/_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}?width=32&height=32", _token)).OkBytes();
        (await _server.Http.GetRawAsync($"/_matrix/media/v3/download/{serverName}/{mediaId}")).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetRawAsync($"/_matrix/media/v3/thumbnail/{serverName}/{mediaId}?width=32&height=32")).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
