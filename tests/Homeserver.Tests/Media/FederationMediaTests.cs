using System.Net;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Federation;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using SkiaSharp;

namespace Matrix.Homeserver.Tests.Media;

/// <summary>
/// The federation serving side, with X-Matrix verification replaced by a test double that trusts a
/// fixed header (key fetching belongs to the federation feature).
/// </summary>
public sealed class FederationMediaTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private string _token = null!;

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(services: services => services.AddSingleton<IFederationRequestAuthenticator, TrustedTestOrigin>());
        _token = await MediaTestAccounts.CreateAsync(_server, "sharer");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void SignedBy(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Authorization", TrustedTestOrigin.Header);

    [Fact]
    public async Task Download_is_multipart_with_empty_metadata_then_the_bytes()
    {
        var bytes = new byte[20_000];
        new Random(3).NextBytes(bytes);
        var (_, mediaId) = await Http.UploadOkAsync(bytes, "application/pdf", _token, "doc.pdf");
        var response = await Http.GetRawAsync($"/_matrix/federation/v1/media/download/{mediaId}", configure: SignedBy);
        var parts = await ReadPartsAsync(response);
        Assert.Equal(2, parts.Count);
        Assert.Equal("application/json", parts[0].ContentType);
        Assert.Equal("{}", System.Text.Encoding.UTF8.GetString(parts[0].Body));
        Assert.Equal("application/pdf", parts[1].ContentType);
        Assert.Equal("attachment; filename=\"doc.pdf\"", parts[1].Disposition);
        Assert.Equal(bytes, parts[1].Body);
    }

    [Fact]
    public async Task Thumbnail_is_multipart_with_an_inline_image()
    {
        var (_, mediaId) = await Http.UploadOkAsync(TestImages.Make(400, 300, SKEncodedImageFormat.Png), "image/png", _token);
        var response = await Http.GetRawAsync($"/_matrix/federation/v1/media/thumbnail/{mediaId}?width=96&height=96&method=crop", configure: SignedBy);
        var parts = await ReadPartsAsync(response);
        Assert.Equal("image/png", parts[1].ContentType);
        Assert.StartsWith("inline", parts[1].Disposition, StringComparison.Ordinal);
        Assert.Equal((SKEncodedImageFormat.Png, 96, 96), TestImages.Inspect(parts[1].Body));
    }

    [Fact]
    public async Task Unsigned_requests_are_refused()
    {
        (await Http.GetRawAsync("/_matrix/federation/v1/media/download/abc")).Matrix.IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        (await Http.GetRawAsync("/_matrix/federation/v1/media/thumbnail/abc?width=1&height=1")).Matrix.IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Unknown_bad_and_pending_media()
    {
        (await Http.GetRawAsync("/_matrix/federation/v1/media/download/unknownMedia", configure: SignedBy)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetRawAsync("/_matrix/federation/v1/media/download/bad.id", configure: SignedBy)).Matrix.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Http.GetRawAsync("/_matrix/federation/v1/media/thumbnail/abc", configure: SignedBy)).Matrix.IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        var created = (await Http.PostJsonAsync("/_matrix/media/v1/create", null, _token)).Ok();
        var (_, mediaId) = MediaHttp.ParseMxc(created["content_uri"]!.GetValue<string>());
        (await Http.GetRawAsync($"/_matrix/federation/v1/media/download/{mediaId}?timeout_ms=0", configure: SignedBy)).Matrix.IsError(HttpStatusCode.GatewayTimeout, "M_NOT_YET_UPLOADED");
    }

    private static async Task<List<(string? ContentType, string? Disposition, byte[] Body)>> ReadPartsAsync(RawResponse response)
    {
        response.OkBytes();
        var contentType = MediaTypeHeaderValue.Parse(response.Raw.Content.Headers.ContentType!.ToString());
        Assert.Equal("multipart/mixed", contentType.MediaType.Value);
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(contentType.Boundary).Value!, new MemoryStream(response.Bytes));
        var parts = new List<(string?, string?, byte[])>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body);
            parts.Add((section.ContentType, section.Headers!.TryGetValue("Content-Disposition", out var d) ? d.ToString() : null, body.ToArray()));
        }

        return parts;
    }

    /// <summary>Accepts exactly one fixed Authorization header, as if its signature had been verified.</summary>
    private sealed class TrustedTestOrigin : IFederationRequestAuthenticator
    {
        public const string Header = "X-Matrix origin=\"trusted.test\",destination=\"localhost\",key=\"ed25519:t\",sig=\"test\"";

        public Task<string> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken) =>
            request.Headers.Authorization.ToString() == Header
                ? Task.FromResult("trusted.test")
                : throw new MatrixException(401, ErrorCodes.Unauthorized, "Not signed");
    }
}
