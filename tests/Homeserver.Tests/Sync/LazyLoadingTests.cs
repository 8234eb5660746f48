using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>Lazy-loading room members in /sync (spec: "Lazy-loading room members").</summary>
public sealed class LazyLoadingTests : IAsyncLifetime
{
    private const string Lazy = """{"room":{"state":{"lazy_load_members":true},"timeline":{"limit":2}}}""";
    private const string LazyRedundant = """{"room":{"state":{"lazy_load_members":true,"include_redundant_members":true},"timeline":{"limit":2}}}""";

    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A named room (no heroes) with the given users joined after the creator.</summary>
    private async Task<string> RoomWithAsync(TestUser creator, params TestUser[] members)
    {
        var roomId = await _server.CreateRoomAsync(creator);
        await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", creator.UserId, new JsonObject { ["name"] = "lazy" }));
        foreach (var member in members) await _server.JoinAsync(roomId, member);
        return roomId;
    }

    private static HashSet<string> Members(JsonObject? room) =>
        [.. room.Events("state").Where(e => e.Str("type") == EventTypes.Member).Select(e => e.Str("state_key")!)];

    [Fact]
    public async Task Initial_sync_sends_only_the_members_of_timeline_senders_and_the_user()
    {
        var alice = await _server.CreateUserAsync("ll-alice");
        var bob = await _server.CreateUserAsync("ll-bob");
        var carol = await _server.CreateUserAsync("ll-carol");
        var roomId = await RoomWithAsync(alice, bob, carol);
        await _server.SendMessageAsync(roomId, bob, "one");
        await _server.SendMessageAsync(roomId, bob, "two");

        var lazy = (await _server.SyncAsync(alice, filter: Lazy)).JoinedRoom(roomId);
        var full = (await _server.SyncAsync(alice, filter: """{"room":{"timeline":{"limit":2}}}""")).JoinedRoom(roomId);

        Assert.Equal([alice.UserId, bob.UserId], Members(lazy).Order());
        Assert.Equal([alice.UserId, bob.UserId, carol.UserId], Members(full).Order());
        Assert.NotNull(lazy.StateEvent(EventTypes.Name));
    }

    [Fact]
    public async Task Incremental_syncs_leave_out_members_already_sent_unless_asked()
    {
        var alice = await _server.CreateUserAsync("llr-alice");
        var bob = await _server.CreateUserAsync("llr-bob");
        var carol = await _server.CreateUserAsync("llr-carol");
        var roomId = await RoomWithAsync(alice, bob, carol);
        await _server.SendMessageAsync(roomId, bob, "first");
        var first = await _server.SyncAsync(alice, filter: Lazy);
        Assert.Contains(bob.UserId, Members(first.JoinedRoom(roomId)));

        await _server.SendMessageAsync(roomId, bob, "again");
        await _server.SendMessageAsync(roomId, carol, "hi");
        var second = await _server.SyncAsync(alice, since: first.NextBatch(), filter: Lazy);

        // Bob's member event was sent already; Carol's is new to this device.
        Assert.Equal([carol.UserId], Members(second.JoinedRoom(roomId)));

        await _server.SendMessageAsync(roomId, bob, "more");
        var redundant = await _server.SyncAsync(alice, since: second.NextBatch(), filter: LazyRedundant);
        Assert.Equal([bob.UserId], Members(redundant.JoinedRoom(roomId)));
    }

    [Fact]
    public async Task A_gappy_sync_includes_members_who_changed_in_the_gap()
    {
        var alice = await _server.CreateUserAsync("llg-alice");
        var bob = await _server.CreateUserAsync("llg-bob");
        var dave = await _server.CreateUserAsync("llg-dave");
        var roomId = await RoomWithAsync(alice, bob);
        var first = await _server.SyncAsync(alice, filter: Lazy);

        await _server.JoinAsync(roomId, dave);
        for (var i = 0; i < 5; i++) await _server.SendMessageAsync(roomId, bob, $"m{i}");
        var sync = await _server.SyncAsync(alice, since: first.NextBatch(), filter: Lazy);

        var room = sync.JoinedRoom(roomId);
        Assert.True(room!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Contains(dave.UserId, Members(room));
    }
}
