using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>The client and media APIs under r0, as Synapse serves them to older clients and bots.</summary>
public sealed class LegacyPathsTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_r0_path_is_its_v3_endpoint()
    {
        var alice = await _server.CreateUserAsync("alice");
        var whoami = (await _server.Http.GetJsonAsync("/_matrix/client/r0/account/whoami", alice.AccessToken)).Ok();
        Assert.Equal(alice.UserId, whoami["user_id"]!.GetValue<string>());

        var roomId = (await _server.Http.PostJsonAsync("/_matrix/client/r0/createRoom", new JsonObject(), alice.AccessToken)).Ok()["room_id"]!.GetValue<string>();
        var room = "/_matrix/client/r0/rooms/" + Uri.EscapeDataString(roomId);
        var eventId = (await _server.Http.PutJsonAsync($"{room}/send/m.room.message/r0-1", new JsonObject { ["msgtype"] = "m.text", ["body"] = "old path" }, alice.AccessToken))
            .Ok()["event_id"]!.GetValue<string>();
        var served = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/event/{Uri.EscapeDataString(eventId)}", alice.AccessToken)).Ok();
        Assert.Equal("old path", served["content"]!["body"]!.GetValue<string>());

        var sync = (await _server.Http.GetJsonAsync("/_matrix/client/r0/sync?timeout=0", alice.AccessToken)).Ok();
        Assert.NotNull(sync["rooms"]!["join"]![roomId]);
        Assert.NotNull((await _server.Http.GetJsonAsync("/_matrix/media/r0/config", alice.AccessToken)).Ok()["m.upload.size"]);
    }

    [Fact]
    public async Task What_v3_does_not_have_r0_does_not_have_either()
    {
        var alice = await _server.CreateUserAsync("alice");
        (await _server.Http.GetJsonAsync("/_matrix/client/r0/nonexistent", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await _server.Http.GetJsonAsync("/_matrix/client/r0x/account/whoami", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }
}
