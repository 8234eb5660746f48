using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>Account data and stored filters in /sync, and the fully read marker.</summary>
public sealed class AccountDataSyncTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task PutAsync(TestUser user, string type, JsonObject content, string? roomId = null) =>
        (await _server.Http.PutJsonAsync(roomId is null
            ? $"/_matrix/client/v3/user/{user.UserId}/account_data/{type}"
            : $"/_matrix/client/v3/user/{user.UserId}/rooms/{roomId}/account_data/{type}", content, user.AccessToken)).Ok();

    private static List<JsonObject> Global(JsonObject sync) => sync["account_data"]?["events"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];

    [Fact]
    public async Task Global_and_room_account_data_come_down_initial_and_incremental_syncs()
    {
        var alice = await _server.CreateUserAsync("ad-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        await PutAsync(alice, "org.example.settings", new JsonObject { ["theme"] = "dark" });
        await PutAsync(alice, "org.example.room", new JsonObject { ["pinned"] = true }, roomId);

        var first = await _server.SyncAsync(alice);
        Assert.Contains(Global(first), e => e.Str("type") == "org.example.settings" && e["content"].Str("theme") == "dark");
        Assert.Contains(first.JoinedRoom(roomId).Events("account_data"), e => e.Str("type") == "org.example.room");

        var quiet = await _server.SyncAsync(alice, since: first.NextBatch());
        Assert.Empty(Global(quiet));
        Assert.Null(quiet.JoinedRoom(roomId));

        var waiting = _server.SyncAsync(alice, since: quiet.NextBatch(), timeoutMs: 30_000);
        await Task.Delay(200);
        await PutAsync(alice, "org.example.settings", new JsonObject { ["theme"] = "light" });
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("light", Assert.Single(Global(changed))["content"].Str("theme"));
    }

    [Fact]
    public async Task Account_data_filters_and_stored_filters_apply()
    {
        var alice = await _server.CreateUserAsync("adf-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        await PutAsync(alice, "org.example.a", new JsonObject());
        await PutAsync(alice, "org.example.b", new JsonObject());
        await PutAsync(alice, "org.example.r", new JsonObject(), roomId);

        var created = (await _server.Http.PostJsonAsync($"/_matrix/client/v3/user/{alice.UserId}/filter",
            JsonNode.Parse("""{"account_data":{"types":["org.example.a"]},"room":{"account_data":{"not_types":["org.example.*"]},"timeline":{"limit":1}}}"""),
            alice.AccessToken)).Ok();
        var sync = await _server.SyncAsync(alice, filter: created.Str("filter_id"));

        Assert.Equal(["org.example.a"], Global(sync).Select(e => e.Str("type")));
        Assert.Empty(sync.JoinedRoom(roomId).Events("account_data"));
        Assert.Single(sync.JoinedRoom(roomId).Events("timeline"));
    }

    [Fact]
    public async Task The_fully_read_marker_is_room_account_data_that_only_moves_forward()
    {
        var alice = await _server.CreateUserAsync("fr-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var older = await _server.SendMessageAsync(roomId, alice, "older");
        var newer = await _server.SendMessageAsync(roomId, alice, "newer");
        var markers = $"/_matrix/client/v3/rooms/{roomId}/read_markers";

        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = newer }, alice.AccessToken)).Ok();
        string? FullyRead(JsonObject sync) =>
            sync.JoinedRoom(roomId).Events("account_data").FirstOrDefault(e => e.Str("type") == "m.fully_read")?["content"].Str("event_id");
        Assert.Equal(newer, FullyRead(await _server.SyncAsync(alice)));

        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{roomId}/receipt/m.fully_read/{Uri.EscapeDataString(older)}", new JsonObject(), alice.AccessToken)).Ok();
        Assert.Equal(newer, FullyRead(await _server.SyncAsync(alice)));

        // Clients may not write it through the account data API.
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{alice.UserId}/rooms/{roomId}/account_data/m.fully_read",
            new JsonObject { ["event_id"] = older }, alice.AccessToken)).IsError(HttpStatusCode.MethodNotAllowed, "M_BAD_JSON");
        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = "$nope" }, alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
