using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Media;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Media of one server downloaded by another's users: signed federation downloads, then the cache.</summary>
[Collection(MembershipFederationCollection.Name)]
public sealed class FederationMediaTransferTests(MembershipFederationFixture fixture)
{
    [Fact]
    public async Task A_user_downloads_media_of_another_server_over_federation()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(fixture.Hs1, "alice");
        var bob = await MembershipFederationFixture.NewUserAsync(fixture.Hs2, "bob");
        var bytes = new byte[70_000];
        new Random(11).NextBytes(bytes);
        var (server, mediaId) = await fixture.Hs1.Http.UploadOkAsync(bytes, "application/pdf", alice.AccessToken, "report.pdf");
        Assert.Equal("hs1.test", server);

        var path = $"/_matrix/client/v1/media/download/hs1.test/{mediaId}";
        var first = await fixture.Hs2.Http.GetRawAsync(path, bob.AccessToken);
        Assert.Equal(bytes, first.OkBytes());
        Assert.Equal("application/pdf", first.Raw.Content.Headers.ContentType?.MediaType);
        Assert.Contains("report.pdf", first.Header("Content-Disposition"));
        // Served from hs2's copy afterwards: allow_remote=false finds it.
        Assert.Equal(bytes, (await fixture.Hs2.Http.GetRawAsync(path + "?allow_remote=false", bob.AccessToken)).OkBytes());

        (await fixture.Hs2.Http.GetRawAsync($"/_matrix/client/v1/media/download/hs1.test/doesNotExist", bob.AccessToken)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await fixture.Hs2.Http.GetRawAsync($"/_matrix/client/v1/media/download/unreachable.test/{mediaId}", bob.AccessToken)).Matrix.IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Federation_media_requests_are_authenticated_with_x_matrix()
    {
        var alice = await MembershipFederationFixture.NewUserAsync(fixture.Hs1, "alice");
        var (_, mediaId) = await fixture.Hs1.Http.UploadOkAsync([1, 2, 3], "application/octet-stream", alice.AccessToken);
        var uri = $"/_matrix/federation/v1/media/download/{mediaId}";

        using (var http = fixture.Servers.FederationHttp("hs1.test"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.TryAddWithoutValidation("Authorization", fixture.Servers.Sign("hs2.test", "hs1.test", HttpMethod.Get, uri, null));
            using var signed = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            Assert.Equal("multipart/mixed", signed.Content.Headers.ContentType?.MediaType);
        }

        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, uri, null, null)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        // Signed for another destination.
        var elsewhere = fixture.Servers.Sign("hs2.test", "hs3.test", HttpMethod.Get, uri, null);
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Get, uri, null, elsewhere)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }
}
