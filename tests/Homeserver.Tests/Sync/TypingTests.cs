using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>PUT /rooms/{roomId}/typing/{userId} and m.typing in /sync.</summary>
public sealed class TypingTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<MatrixResponse> TypingAsync(TestUser user, string roomId, JsonObject body, string? target = null) =>
        _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/typing/{target ?? user.UserId}", body, user.AccessToken);

    private static List<string>? Typers(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId).Events("ephemeral").FirstOrDefault(e => e.Str("type") == "m.typing")?["content"]!["user_ids"]!.AsArray()
            .Select(u => u!.GetValue<string>()).ToList();

    [Fact]
    public async Task Typing_starts_and_stops_in_the_members_syncs()
    {
        var alice = await _server.CreateUserAsync("ty-alice");
        var bob = await _server.CreateUserAsync("ty-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var since = (await _server.SyncAsync(alice)).NextBatch();

        var waiting = _server.SyncAsync(alice, since: since, timeoutMs: 30_000);
        await Task.Delay(200);
        (await TypingAsync(bob, roomId, new JsonObject { ["typing"] = true, ["timeout"] = 20_000 })).Ok();
        var started = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([bob.UserId], Typers(started, roomId));

        // Typing again changes nothing anyone sees.
        (await TypingAsync(bob, roomId, new JsonObject { ["typing"] = true, ["timeout"] = 20_000 })).Ok();
        Assert.Null(Typers(await _server.SyncAsync(alice, since: started.NextBatch()), roomId));

        (await TypingAsync(bob, roomId, new JsonObject { ["typing"] = false })).Ok();
        var stopped = await _server.SyncAsync(alice, since: started.NextBatch());
        Assert.Equal([], Typers(stopped, roomId));
        // A client starting over gets the room's (empty) list too, as Synapse sends it once anyone typed there.
        Assert.Equal([], Typers(await _server.SyncAsync(alice), roomId));
    }

    [Fact]
    public async Task Typing_expires_after_its_timeout_and_wakes_the_members()
    {
        var alice = await _server.CreateUserAsync("tye-alice");
        var bob = await _server.CreateUserAsync("tye-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        (await TypingAsync(bob, roomId, new JsonObject { ["typing"] = true, ["timeout"] = 1_000 })).Ok();
        var first = await _server.SyncAsync(alice);
        Assert.Equal([bob.UserId], Typers(first, roomId));

        var expired = await _server.SyncAsync(alice, since: first.NextBatch(), timeoutMs: 20_000);
        Assert.Equal([], Typers(expired, roomId));
    }

    [Fact]
    public async Task Typing_is_refused_for_others_and_outside_the_room()
    {
        var alice = await _server.CreateUserAsync("tyx-alice");
        var mallory = await _server.CreateUserAsync("tyx-mallory");
        var roomId = await _server.CreateRoomAsync(alice);

        (await TypingAsync(mallory, roomId, new JsonObject { ["typing"] = true }, target: alice.UserId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await TypingAsync(mallory, roomId, new JsonObject { ["typing"] = true })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await TypingAsync(alice, roomId, new JsonObject { ["timeout"] = 100 })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await TypingAsync(alice, roomId, new JsonObject { ["typing"] = "yes" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await TypingAsync(alice, roomId, new JsonObject { ["typing"] = true, ["timeout"] = -1 })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.SendAsync(HttpMethod.Put, $"/_matrix/client/v3/rooms/{roomId}/typing/{alice.UserId}", rawBody: "{oops", accessToken: alice.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/typing/{alice.UserId}", new JsonObject { ["typing"] = true }))
            .IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
