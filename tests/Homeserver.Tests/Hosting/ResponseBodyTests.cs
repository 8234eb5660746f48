using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>
/// How answers are framed: a JSON answer, an error included, carries its Content-Length (one write, as Synapse sends
/// them); a body bigger than the server keeps back is streamed in chunks, whole.
/// </summary>
public sealed class ResponseBodyTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Json_answers_and_errors_carry_their_length()
    {
        var alice = await _server.CreateUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.SendMessageAsync(roomId, alice, "hello");

        var whoami = await GetAsync("/_matrix/client/v3/account/whoami", alice.AccessToken);
        Assert.Equal(HttpStatusCode.OK, whoami.Status);
        Assert.Equal(alice.UserId, JsonNode.Parse(whoami.Body)!["user_id"]!.GetValue<string>());
        AssertFramedByLength(whoami);

        var sync = await GetAsync("/_matrix/client/v3/sync?timeout=0", alice.AccessToken);
        Assert.Equal(HttpStatusCode.OK, sync.Status);
        Assert.NotNull(JsonNode.Parse(sync.Body)!["rooms"]!["join"]![roomId]);
        AssertFramedByLength(sync);

        // Errors: a bad token (thrown by the endpoint's authentication), an unknown endpoint (the status code pages).
        var unknownToken = await GetAsync("/_matrix/client/v3/account/whoami", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, unknownToken.Status);
        Assert.Equal("M_UNKNOWN_TOKEN", JsonNode.Parse(unknownToken.Body)!["errcode"]!.GetValue<string>());
        AssertFramedByLength(unknownToken);

        var unknownEndpoint = await GetAsync("/_matrix/client/v3/no-such-endpoint", alice.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, unknownEndpoint.Status);
        Assert.Equal("M_UNRECOGNIZED", JsonNode.Parse(unknownEndpoint.Body)!["errcode"]!.GetValue<string>());
        AssertFramedByLength(unknownEndpoint);
    }

    [Fact]
    public async Task A_body_bigger_than_what_the_server_keeps_back_is_streamed_whole()
    {
        var alice = await _server.CreateUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var room = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}";
        // Three state events of ~40 KB each: their state is well past the 64 KiB kept back.
        var filler = new string('x', 40_000);
        for (var i = 0; i < 3; i++)
        {
            (await _server.Http.PutJsonAsync($"{room}/state/org.example.big/{i}", new JsonObject { ["filler"] = filler, ["n"] = i }, alice.AccessToken)).Ok();
        }

        var state = await GetAsync($"{room}/state", alice.AccessToken);
        Assert.Equal(HttpStatusCode.OK, state.Status);
        Assert.True(state.Chunked, "a body past the buffer goes out in chunks as it is written");
        var events = JsonNode.Parse(state.Body)!.AsArray();
        var big = events.Where(e => e!["type"]!.GetValue<string>() == "org.example.big").ToList();
        Assert.Equal(3, big.Count);
        Assert.All(big, e => Assert.Equal(filler, e!["content"]!["filler"]!.GetValue<string>()));
    }

    private static void AssertFramedByLength(RawResponse response)
    {
        Assert.False(response.Chunked, $"expected a Content-Length, got a chunked body: {response.Body}");
        Assert.Equal(Encoding.UTF8.GetByteCount(response.Body), response.ContentLength);
    }

    private async Task<RawResponse> GetAsync(string path, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await _server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        // The header as sent: HttpClient computes ContentLength from a buffered body when the header is absent.
        long? length = response.Content.Headers.NonValidated.TryGetValues("Content-Length", out var values) ? long.Parse(values.ToString()) : null;
        return new RawResponse(response.StatusCode, body, length, response.Headers.TransferEncodingChunked == true);
    }

    private sealed record RawResponse(HttpStatusCode Status, string Body, long? ContentLength, bool Chunked);
}
