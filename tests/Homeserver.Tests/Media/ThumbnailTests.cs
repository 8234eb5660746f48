using System.Net;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Matrix.Homeserver.Tests.Media;

public sealed class ThumbnailTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private string _token = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(s => s["Homeserver:Media:MaxThumbnailPixels"] = "20000000");
        _token = await MediaTestAccounts.CreateAsync(_server, "pictures");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> UploadImageAsync(byte[] image, string contentType)
    {
        var (serverName, mediaId) = await Http.UploadOkAsync(image, contentType, _token);
        return $"{serverName}/{mediaId}";
    }

    private Task<RawResponse> ThumbnailAsync(string media, string query) =>
        Http.GetRawAsync($"/_matrix/client/v1/media/thumbnail/{media}?{query}", _token);

    [Fact]
    public async Task Crop_of_a_png_has_the_box_size_and_keeps_the_centre()
    {
        var media = await UploadImageAsync(TestImages.Make(1000, 500, SKEncodedImageFormat.Png), "image/png");
        var response = await ThumbnailAsync(media, "width=96&height=96&method=crop");
        var (format, width, height) = TestImages.Inspect(response.OkBytes());
        Assert.Equal((SKEncodedImageFormat.Png, 96, 96), (format, width, height));
        Assert.Equal("image/png", response.Raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline; filename=\"thumbnail.png\"", response.Header("Content-Disposition"));
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        // The centre crop of a red|blue image is red on the left and blue on the right.
        Assert.Equal(SKColors.Red, TestImages.PixelAt(response.Bytes, 5, 48));
        Assert.Equal(SKColors.Blue, TestImages.PixelAt(response.Bytes, 90, 48));
    }

    [Fact]
    public async Task Scale_of_a_jpeg_fits_the_chosen_box_without_going_below_the_request()
    {
        var media = await UploadImageAsync(TestImages.Make(1600, 1200, SKEncodedImageFormat.Jpeg), "image/jpeg");
        var response = await ThumbnailAsync(media, "width=300&height=200&method=scale");
        var (format, width, height) = TestImages.Inspect(response.OkBytes());
        Assert.Equal(SKEncodedImageFormat.Jpeg, format);
        Assert.Equal((320, 240), (width, height));
        Assert.Equal("image/jpeg", response.Raw.Content.Headers.ContentType!.MediaType);

        var large = TestImages.Inspect((await ThumbnailAsync(media, "width=700&height=500")).OkBytes());
        Assert.Equal((800, 600), (large.Width, large.Height));
    }

    [Fact]
    public async Task Thumbnails_are_cached_on_disk_and_in_the_database()
    {
        var media = await UploadImageAsync(TestImages.Make(640, 640, SKEncodedImageFormat.Png), "image/png");
        var first = (await ThumbnailAsync(media, "width=32&height=32&method=crop")).OkBytes();
        var second = (await ThumbnailAsync(media, "width=30&height=30&method=crop")).OkBytes();
        Assert.Equal(first, second);

        var mediaId = media.Split('/')[1];
        using var scope = _server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HomeserverDbContext>();
        var rows = await db.MediaThumbnails.Where(t => t.MediaId == mediaId).ToListAsync();
        var row = Assert.Single(rows);
        Assert.Equal((32, 32, "crop", "image/png"), (row.Width, row.Height, row.Method, row.ContentType));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_server.DataDirectory, "media", "thumbnails"), "32x32-crop.png", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_image_smaller_than_the_request_is_served_as_is()
    {
        var original = TestImages.Make(50, 40, SKEncodedImageFormat.Png);
        var media = await UploadImageAsync(original, "image/png");
        Assert.Equal(original, (await ThumbnailAsync(media, "width=320&height=240&method=scale")).OkBytes());
        Assert.Equal(original, (await ThumbnailAsync(media, "width=96&height=96&method=crop")).OkBytes());
    }

    [Fact]
    public async Task Exif_orientation_is_applied()
    {
        // A landscape 400x200 JPEG tagged "rotate 90° clockwise" displays as 200x400 portrait.
        var jpeg = TestImages.WithExifOrientation(TestImages.Make(400, 200, SKEncodedImageFormat.Jpeg), 6);
        var media = await UploadImageAsync(jpeg, "image/jpeg");
        var bytes = (await ThumbnailAsync(media, "width=100&height=100&method=scale")).OkBytes();
        var (_, width, height) = TestImages.Inspect(bytes);
        Assert.Equal((120, 240), (width, height)); // 200x400 fitted into the 320x240 box
        // Rotated clockwise, the red left half ends up on top.
        Assert.True(TestImages.PixelAt(bytes, 60, 20).Red > 200);
        Assert.True(TestImages.PixelAt(bytes, 60, 220).Blue > 200);
    }

    [Fact]
    public async Task Animations_pass_through_only_when_asked_for()
    {
        var gif = TestImages.AnimatedGif();
        var media = await UploadImageAsync(gif, "image/gif");
        var animated = await ThumbnailAsync(media, "width=32&height=32&animated=true");
        Assert.Equal(gif, animated.OkBytes());
        Assert.Equal("image/gif", animated.Raw.Content.Headers.ContentType!.MediaType);

        foreach (var query in new[] { "width=32&height=32", "width=32&height=32&animated=false" })
        {
            var still = await ThumbnailAsync(media, query);
            Assert.Equal((SKEncodedImageFormat.Png, 1, 1), TestImages.Inspect(still.OkBytes()));
            Assert.Equal(SKColors.Red, TestImages.PixelAt(still.Bytes, 0, 0));
        }
    }

    [Fact]
    public async Task Pixel_bombs_are_refused_from_the_header()
    {
        var media = await UploadImageAsync(TestImages.PixelBombPng(50_000, 50_000), "image/png");
        (await ThumbnailAsync(media, "width=32&height=32&method=crop")).Matrix.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Fact]
    public async Task Content_that_is_not_a_thumbnailable_image_is_400()
    {
        var text = await UploadImageAsync("just text"u8.ToArray(), "text/plain");
        (await ThumbnailAsync(text, "width=32&height=32")).Matrix.IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        var svg = await UploadImageAsync("<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray(), "image/svg+xml");
        (await ThumbnailAsync(svg, "width=32&height=32")).Matrix.IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        var fake = await UploadImageAsync("<html>not a png</html>"u8.ToArray(), "image/png");
        (await ThumbnailAsync(fake, "width=32&height=32")).Matrix.IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Theory]
    [InlineData("height=32", "M_MISSING_PARAM")]
    [InlineData("width=32", "M_MISSING_PARAM")]
    [InlineData("width=abc&height=32", "M_INVALID_PARAM")]
    [InlineData("width=-5&height=32", "M_INVALID_PARAM")]
    [InlineData("width=0&height=32", "M_INVALID_PARAM")]
    [InlineData("width=32&height=32&method=stretch", "M_INVALID_PARAM")]
    [InlineData("width=32&height=32&animated=maybe", "M_INVALID_PARAM")]
    public async Task Bad_thumbnail_parameters_are_400(string query, string errCode)
    {
        var media = await UploadImageAsync(TestImages.Make(100, 100, SKEncodedImageFormat.Png), "image/png");
        (await ThumbnailAsync(media, query)).Matrix.IsError(HttpStatusCode.BadRequest, errCode);
    }

    [Fact]
    public async Task The_legacy_path_serves_thumbnails_without_a_token()
    {
        var media = await UploadImageAsync(TestImages.Make(400, 400, SKEncodedImageFormat.Png), "image/png");
        var (_, width, height) = TestImages.Inspect((await Http.GetRawAsync($"/_matrix/media/v3/thumbnail/{media}?width=96&height=96&method=crop")).OkBytes());
        Assert.Equal((96, 96), (width, height));
    }

    [Fact]
    public async Task Thumbnail_of_unknown_media_is_404()
    {
        (await ThumbnailAsync("localhost/unknownMedia", "width=32&height=32")).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
