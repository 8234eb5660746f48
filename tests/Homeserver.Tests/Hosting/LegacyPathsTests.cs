using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>The client and media APIs under r0 (and unstable), as Synapse serves them to older clients and bots.</summary>
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
    public async Task An_unstable_path_is_its_v3_endpoint_unless_an_msc_prefixes_it()
    {
        var alice = await _server.CreateUserAsync("alice");
        var whoami = (await _server.Http.GetJsonAsync("/_matrix/client/unstable/account/whoami", alice.AccessToken)).Ok();
        Assert.Equal(alice.UserId, whoami["user_id"]!.GetValue<string>());
        var version = (await _server.Http.PostJsonAsync("/_matrix/client/unstable/room_keys/version",
            new JsonObject { ["algorithm"] = "m.megolm_backup.v1.curve25519-aes-sha2", ["auth_data"] = new JsonObject { ["public_key"] = "abc" } }, alice.AccessToken)).Ok();
        Assert.NotNull(version["version"]);
        // An MSC's prefix is a route of its own: not rewritten to v3.
        (await _server.Http.GetJsonAsync("/_matrix/client/unstable/org.example.msc9999/account/whoami", alice.AccessToken))
            .IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        var sliding = await _server.Http.PostJsonAsync("/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0", new JsonObject(), alice.AccessToken);
        Assert.Equal(HttpStatusCode.OK, sliding.Status);
    }

    [Fact]
    public async Task What_v3_does_not_have_r0_does_not_have_either()
    {
        var alice = await _server.CreateUserAsync("alice");
        (await _server.Http.GetJsonAsync("/_matrix/client/r0/nonexistent", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
        (await _server.Http.GetJsonAsync("/_matrix/client/r0x/account/whoami", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }
}
