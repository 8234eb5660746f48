using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>PUT/GET /presence/{userId}/status, presence in /sync, set_presence, the timeouts and persistence.</summary>
public sealed class PresenceTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    // Timeouts far beyond a test's length, so that only the tests that wait for them see them.
    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s =>
    {
        s["Homeserver:Sync:PresenceIdleAfterMs"] = "60000";
        s["Homeserver:Sync:PresenceOfflineAfterMs"] = "60000";
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string StatusPath(TestUser user) => $"/_matrix/client/v3/presence/{user.UserId}/status";

    private static JsonObject? PresenceOf(JsonObject sync, TestUser user) =>
        sync["presence"]?["events"]?.AsArray().Select(e => e!.AsObject()).LastOrDefault(e => e.Str("sender") == user.UserId)?["content"]?.AsObject();

    [Fact]
    public async Task Set_presence_is_visible_to_users_sharing_a_room_only()
    {
        var alice = await _server.CreateUserAsync("pv-alice");
        var bob = await _server.CreateUserAsync("pv-bob");
        var stranger = await _server.CreateUserAsync("pv-stranger");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);

        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "lunch" }, alice.AccessToken)).Ok();

        var seen = (await _server.Http.GetJsonAsync(StatusPath(alice), bob.AccessToken)).Ok();
        Assert.Equal("unavailable", seen.Str("presence"));
        Assert.Equal("lunch", seen.Str("status_msg"));
        Assert.Equal("unavailable", (await _server.Http.GetJsonAsync(StatusPath(alice), alice.AccessToken)).Ok().Str("presence"));
        (await _server.Http.GetJsonAsync(StatusPath(alice), stranger.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/presence/@nobody:localhost/status", alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var sync = await _server.SyncAsync(bob, setPresence: "offline");
        Assert.Equal("lunch", PresenceOf(sync, alice)!.Str("status_msg"));
        Assert.Null(PresenceOf(await _server.SyncAsync(stranger, setPresence: "offline"), alice));
    }

    [Fact]
    public async Task Presence_follows_a_membership_that_changed_after_both_users_synced()
    {
        var alice = await _server.CreateUserAsync("pm-alice");
        var bob = await _server.CreateUserAsync("pm-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        // Both sync, so both users' memberships are kept in memory and the sharing is answered from them.
        var since = (await _server.SyncAsync(bob, setPresence: "offline")).NextBatch();
        await _server.SyncAsync(alice, setPresence: "offline");

        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "lunch" }, alice.AccessToken)).Ok();
        var sync = await _server.SyncAsync(bob, since: since, setPresence: "offline");
        Assert.Equal("lunch", PresenceOf(sync, alice)!.Str("status_msg"));

        // Alice leaves (and syncs again, her memberships read anew): what she sets next is not Bob's to see.
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/leave", new JsonObject(), alice.AccessToken)).Ok();
        await _server.SyncAsync(alice, setPresence: "offline");
        since = (await _server.SyncAsync(bob, since: sync.NextBatch(), setPresence: "offline")).NextBatch();
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "gone" }, alice.AccessToken)).Ok();
        Assert.Null(PresenceOf(await _server.SyncAsync(bob, since: since, setPresence: "offline"), alice));
    }

    [Fact]
    public async Task Syncing_brings_a_user_online_and_wakes_their_contacts()
    {
        var alice = await _server.CreateUserAsync("po-alice");
        var bob = await _server.CreateUserAsync("po-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        // Sending (creating the room) made Alice online; she signs off.
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "offline" }, alice.AccessToken)).Ok();
        var since = (await _server.SyncAsync(bob, setPresence: "offline")).NextBatch();

        // set_presence=offline leaves presence alone.
        await _server.SyncAsync(alice, setPresence: "offline");
        Assert.Equal("offline", (await _server.Http.GetJsonAsync(StatusPath(alice), bob.AccessToken)).Ok().Str("presence"));

        var waiting = _server.SyncAsync(bob, since: since, timeoutMs: 30_000, setPresence: "offline");
        await Task.Delay(200);
        await _server.SyncAsync(alice);
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        var content = PresenceOf(sync, alice)!;
        Assert.Equal("online", content.Str("presence"));
        Assert.True(content["currently_active"]!.GetValue<bool>());
        Assert.True(content["last_active_ago"]!.GetValue<long>() >= 0);
    }

    [Fact]
    public async Task Users_who_come_to_share_a_room_see_each_others_presence_unchanged_since_the_token()
    {
        var alice = await _server.CreateUserAsync("pn-alice");
        var bob = await _server.CreateUserAsync("pn-bob");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "online", ["status_msg"] = "here" }, alice.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync(StatusPath(bob), new JsonObject { ["presence"] = "unavailable", ["status_msg"] = "away" }, bob.AccessToken)).Ok();
        var aliceSince = (await _server.SyncAsync(alice, setPresence: "offline")).NextBatch();
        var bobSince = (await _server.SyncAsync(bob, setPresence: "offline")).NextBatch();

        // Nothing changes in either presence: only the new shared room makes it news.
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);

        Assert.Equal("away", PresenceOf(await _server.SyncAsync(alice, since: aliceSince, setPresence: "offline"), bob)?.Str("status_msg"));
        Assert.Equal("here", PresenceOf(await _server.SyncAsync(bob, since: bobSince, setPresence: "offline"), alice)?.Str("status_msg"));
    }

    [Fact]
    public async Task Presence_of_others_cannot_be_set_and_bad_bodies_are_refused()
    {
        var alice = await _server.CreateUserAsync("px-alice");
        var bob = await _server.CreateUserAsync("px-bob");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "online" }, bob.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "busy" }, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["status_msg"] = "x" }, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = 1 }, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.GetJsonAsync(StatusPath(alice))).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Idle_users_become_unavailable_and_absent_ones_offline()
    {
        // A presence service on a hand-moved clock with Synapse's timings, over the test server's database.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var options = new HomeserverOptions { Sync = new SyncOptions { PresenceIdleAfterMs = 300_000, PresenceOfflineAfterMs = 30_000 } };
        var presence = ActivatorUtilities.CreateInstance<PresenceService>(_server.Services, clock, options);
        const string user = "@idle:localhost";

        using (presence.SyncStarted(user, PresenceState.Online))
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            presence.ApplyTimeouts();
            Assert.Equal(PresenceState.Online, presence.Get(user)!.State);
            Assert.False(presence.Get(user)!.CurrentlyActive);

            clock.Advance(TimeSpan.FromMinutes(4));
            presence.ApplyTimeouts();
            Assert.Equal(PresenceState.Unavailable, presence.Get(user)!.State);
        }

        clock.Advance(TimeSpan.FromSeconds(29));
        presence.ApplyTimeouts();
        Assert.Equal(PresenceState.Unavailable, presence.Get(user)!.State);

        clock.Advance(TimeSpan.FromSeconds(2));
        presence.ApplyTimeouts();
        Assert.Equal(PresenceState.Offline, presence.Get(user)!.State);

        presence.BumpActive(user);
        Assert.Equal(PresenceState.Online, presence.Get(user)!.State);
        Assert.True(presence.Get(user)!.CurrentlyActive);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    [Fact]
    public async Task A_later_write_replaces_the_stored_presence()
    {
        var alice = await _server.CreateUserAsync("pp-later");
        var presence = _server.Services.GetRequiredService<PresenceService>();
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "online", ["status_msg"] = "first" }, alice.AccessToken)).Ok();
        await presence.PersistAsync(CancellationToken.None);
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "unavailable" }, alice.AccessToken)).Ok();
        await presence.PersistAsync(CancellationToken.None);

        var restarted = ActivatorUtilities.CreateInstance<PresenceService>(_server.Services);
        await restarted.LoadAsync(CancellationToken.None);

        var restored = restarted.Get(alice.UserId)!;
        Assert.Equal(PresenceState.Unavailable, restored.State);
        Assert.Null(restored.StatusMsg);
    }

    [Fact]
    public async Task Presence_is_written_to_the_database_and_restored()
    {
        var alice = await _server.CreateUserAsync("pp-alice");
        (await _server.Http.PutJsonAsync(StatusPath(alice), new JsonObject { ["presence"] = "online", ["status_msg"] = "kept" }, alice.AccessToken)).Ok();
        await _server.Services.GetRequiredService<PresenceService>().PersistAsync(CancellationToken.None);

        var restarted = ActivatorUtilities.CreateInstance<PresenceService>(_server.Services);
        await restarted.LoadAsync(CancellationToken.None);

        var restored = restarted.Get(alice.UserId)!;
        Assert.Equal("kept", restored.StatusMsg);
        Assert.Equal(PresenceState.Online, restored.State);
    }
}
