using System.Diagnostics;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>
/// Long-polling /sync: an idle wait wakes for the user's own news and nobody else's. Presence is off
/// here so that only room events wake the waits under test.
/// </summary>
public sealed class LongPollTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_send_into_a_shared_room_wakes_the_wait_promptly()
    {
        var alice = await _server.CreateUserAsync("wake-alice");
        var bob = await _server.CreateUserAsync("wake-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var since = (await _server.SyncAsync(alice)).NextBatch();

        var clock = Stopwatch.StartNew();
        var waiting = _server.SyncAsync(alice, since: since, timeoutMs: 30_000);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var eventId = await _server.SendMessageAsync(roomId, bob, "wake up");
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains(eventId, sync.JoinedRoom(roomId).EventIds("timeline"));
    }

    [Fact]
    public async Task A_send_into_an_unrelated_room_does_not_wake_the_wait()
    {
        var alice = await _server.CreateUserAsync("calm-alice");
        var carol = await _server.CreateUserAsync("calm-carol");
        var alicesRoom = await _server.CreateRoomAsync(alice);
        var carolsRoom = await _server.CreateRoomAsync(carol);
        var since = (await _server.SyncAsync(alice)).NextBatch();

        var clock = Stopwatch.StartNew();
        var waiting = _server.SyncAsync(alice, since: since, timeoutMs: 2_000);
        await Task.Delay(200);
        await _server.SendMessageAsync(carolsRoom, carol, "not for alice");
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(1_800), $"returned after {clock.Elapsed}");
        Assert.Null(sync["rooms"]);
        Assert.NotEqual(since, sync.NextBatch());

        // The token of the empty answer loses nothing: the next sync from it sees later news.
        var eventId = await _server.SendMessageAsync(alicesRoom, alice, "later");
        var next = await _server.SyncAsync(alice, since: sync.NextBatch());
        Assert.Equal([eventId], next.JoinedRoom(alicesRoom).EventIds("timeline"));
    }

    [Fact]
    public async Task Without_timeout_an_empty_sync_answers_at_once()
    {
        var alice = await _server.CreateUserAsync("now-alice");
        await _server.CreateRoomAsync(alice);
        var since = (await _server.SyncAsync(alice)).NextBatch();

        var clock = Stopwatch.StartNew();
        var sync = await _server.SyncAsync(alice, since: since);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Null(sync["rooms"]);
        Assert.Equal(since, sync.NextBatch());
    }

    [Fact]
    public async Task An_invite_wakes_the_invitee()
    {
        var alice = await _server.CreateUserAsync("wi-alice");
        var bob = await _server.CreateUserAsync("wi-bob");
        var roomId = await _server.CreateRoomAsync(alice, joinRule: "invite");
        var since = (await _server.SyncAsync(bob)).NextBatch();

        var waiting = _server.SyncAsync(bob, since: since, timeoutMs: 30_000);
        await Task.Delay(200);
        await _server.SendEventsAsync(roomId, Homeserver.Events.Pipeline.EventDraft.Member(bob.UserId, alice.UserId, "invite"));
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.NotNull(sync.Section("invite", roomId));
    }
}
