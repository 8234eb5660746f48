using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync.Sliding;

/// <summary>Sliding sync connections (pos, conn_id, long-poll), request checks, extensions, and discovery.</summary>
public sealed class SlidingSyncConnectionTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task An_unknown_pos_or_one_of_another_connection_is_M_UNKNOWN_POS()
    {
        var alice = await _server.CreateUserAsync("ss-pos-alice");
        await _server.CreateRoomAsync(alice);
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0), pos: "12345")).IsUnknownPos();
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0), pos: "not-a-pos")).IsUnknownPos();

        var first = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"));
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0, connId: "encryption"), first.Pos())).IsUnknownPos();

        // Using a pos acknowledges it: older ones of the connection are gone.
        var second = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"), first.Pos());
        await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"), second.Pos());
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"), first.Pos())).IsUnknownPos();

        // Starting over without pos replaces the connection.
        var restarted = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"));
        Assert.Single(restarted.RoomIds());
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0, connId: "room-list"), second.Pos())).IsUnknownPos();
    }

    [Fact]
    public async Task A_retried_pos_answers_again()
    {
        var alice = await _server.CreateUserAsync("ss-retry-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0));
        var message = await _server.SendMessageAsync(roomId, alice, "once");
        var lost = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0), first.Pos());
        var retried = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0), first.Pos());
        Assert.Equal([message], lost.Room(roomId).TimelineIds());
        Assert.Equal([message], retried.Room(roomId).TimelineIds());
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        var alice = await _server.CreateUserAsync("ss-bad-alice");
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(0, 0, timelineLimit: 5000))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.SlidingRawAsync(alice, SlidingClient.ListBody(5, 2))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var badState = SlidingClient.ListBody(0, 1, requiredState: new JsonArray(new JsonArray("m.room.name")));
        (await _server.SlidingRawAsync(alice, badState)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.SlidingRawAsync(alice, new JsonObject { ["lists"] = "nope" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        var noToken = await _server.Http.PostJsonAsync(SlidingClient.Path, new JsonObject());
        noToken.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        var badTimeout = await _server.Http.PostJsonAsync(SlidingClient.Path + "?timeout=soon", new JsonObject(), alice.AccessToken);
        badTimeout.IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task A_long_poll_waits_idle_and_wakes_for_a_message()
    {
        var alice = await _server.CreateUserAsync("ss-poll-alice");
        var bob = await _server.CreateUserAsync("ss-poll-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var body = SlidingClient.ListBody(0, 0);
        var first = await _server.SlidingAsync(alice, body);

        var idle = Stopwatch.StartNew();
        var empty = await _server.SlidingAsync(alice, body, first.Pos(), timeoutMs: 1_000);
        Assert.True(idle.Elapsed >= TimeSpan.FromMilliseconds(900), $"returned after {idle.Elapsed}");
        Assert.Empty(empty.RoomIds());

        var clock = Stopwatch.StartNew();
        var waiting = _server.SlidingAsync(alice, body, empty.Pos(), timeoutMs: 30_000);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var message = await _server.SendMessageAsync(roomId, bob, "wake up");
        var woken = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal([message], woken.Room(roomId).TimelineIds());
    }

    [Fact]
    public async Task Extensions_carry_account_data_receipts_typing_and_encryption_fields()
    {
        var alice = await _server.CreateUserAsync("ss-ext-alice");
        var bob = await _server.CreateUserAsync("ss-ext-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var message = await _server.SendMessageAsync(roomId, alice, "read me");
        var room = Uri.EscapeDataString(roomId);
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/account_data/org.example.setting",
            new JsonObject { ["on"] = true }, alice.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/rooms/{room}/account_data/m.tag",
            new JsonObject { ["tags"] = new JsonObject { ["m.favourite"] = new JsonObject() } }, alice.AccessToken)).Ok();
        var body = SlidingClient.ListBody(0, 0);
        body["extensions"] = new JsonObject
        {
            ["to_device"] = new JsonObject { ["enabled"] = true },
            ["e2ee"] = new JsonObject { ["enabled"] = true },
            ["account_data"] = new JsonObject { ["enabled"] = true },
            ["receipts"] = new JsonObject { ["enabled"] = true },
            ["typing"] = new JsonObject { ["enabled"] = true },
        };

        var first = await _server.SlidingAsync(alice, body);
        var ext = first["extensions"]!;
        var global = ext["account_data"]!["global"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("org.example.setting", global);
        Assert.Contains("m.push_rules", global);
        Assert.Equal("m.tag", ext["account_data"]!["rooms"]![roomId]![0]!["type"]!.GetValue<string>());
        Assert.NotNull(ext["to_device"]!["next_batch"]);
        Assert.Empty(ext["to_device"]!["events"]!.AsArray());
        Assert.NotNull(ext["e2ee"]!["device_one_time_keys_count"]);
        Assert.NotNull(ext["e2ee"]!["device_unused_fallback_key_types"]);
        Assert.Empty(ext["typing"]!["rooms"]!.AsObject());

        // Bob reads and types: the next answer has both, and nothing of what was already sent.
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{room}/receipt/m.read/{Uri.EscapeDataString(message)}", new JsonObject(), bob.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/typing/{Uri.EscapeDataString(bob.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30_000 }, bob.AccessToken)).Ok();
        body["extensions"]!["to_device"]!["since"] = ext["to_device"]!["next_batch"]!.GetValue<string>();
        var second = await _server.SlidingAsync(alice, body, first.Pos());
        var ext2 = second["extensions"]!;
        Assert.NotNull(ext2["receipts"]!["rooms"]![roomId]!["content"]![message]!["m.read"]![bob.UserId]);
        Assert.Equal(bob.UserId, ext2["typing"]!["rooms"]![roomId]!["content"]!["user_ids"]![0]!.GetValue<string>());
        Assert.Empty(ext2["account_data"]!["global"]!.AsArray());
        Assert.NotNull(ext2["e2ee"]!["device_lists"]!["changed"]);
    }

    [Fact]
    public async Task To_device_messages_come_until_acknowledged_by_since()
    {
        var alice = await _server.CreateUserAsync("ss-td-alice");
        var bob = await _server.CreateUserAsync("ss-td-bob");
        var messages = new JsonObject { [alice.UserId] = new JsonObject { [alice.DeviceId] = new JsonObject { ["secret"] = "s1" } } };
        (await _server.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.test/ss-td-1", new JsonObject { ["messages"] = messages }, bob.AccessToken)).Ok();
        var body = new JsonObject { ["conn_id"] = "encryption", ["extensions"] = new JsonObject { ["to_device"] = new JsonObject { ["enabled"] = true } } };

        var first = await _server.SlidingAsync(alice, body);
        var delivered = first["extensions"]!["to_device"]!;
        Assert.Equal("m.test", delivered["events"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(bob.UserId, delivered["events"]![0]!["sender"]!.GetValue<string>());

        body["extensions"]!["to_device"]!["since"] = delivered["next_batch"]!.GetValue<string>();
        var second = await _server.SlidingAsync(alice, body, first.Pos());
        Assert.Empty(second["extensions"]!["to_device"]!["events"]!.AsArray());
    }

    [Fact]
    public async Task An_account_data_change_wakes_a_long_poll_with_the_extension()
    {
        var alice = await _server.CreateUserAsync("ss-adwake-alice");
        await _server.CreateRoomAsync(alice);
        var body = SlidingClient.ListBody(0, 0);
        body["extensions"] = new JsonObject { ["account_data"] = new JsonObject { ["enabled"] = true } };
        var first = await _server.SlidingAsync(alice, body);

        var waiting = _server.SlidingAsync(alice, body, first.Pos(), timeoutMs: 30_000);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/account_data/org.example.later",
            new JsonObject { ["n"] = 1 }, alice.AccessToken)).Ok();
        var woken = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("org.example.later", woken["extensions"]!["account_data"]!["global"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Versions_advertise_simplified_sliding_sync_and_the_well_known_stays_valid()
    {
        var versions = (await _server.Http.GetJsonAsync("/_matrix/client/versions")).Ok();
        Assert.True(versions["unstable_features"]!["org.matrix.simplified_msc3575"]!.GetValue<bool>());
        var wellKnown = (await _server.Http.GetJsonAsync("/.well-known/matrix/client")).Ok();
        Assert.StartsWith("http", wellKnown["m.homeserver"]!["base_url"]!.GetValue<string>());
    }
}
