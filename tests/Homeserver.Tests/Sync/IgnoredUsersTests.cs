using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>Spec "Ignoring Users": once in m.ignored_user_list, a user's events (but state) and invites stop reaching /sync and /messages.</summary>
public sealed class IgnoredUsersTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task IgnoreAsync(TestUser user, params TestUser[] ignored)
    {
        var users = new JsonObject();
        foreach (var u in ignored) users[u.UserId] = new JsonObject();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{user.UserId}/account_data/m.ignored_user_list",
            new JsonObject { ["ignored_users"] = users }, user.AccessToken)).Ok();
    }

    private static List<string> Bodies(JsonObject? room) =>
        [.. room.Events("timeline").Where(e => e.Str("type") == "m.room.message").Select(e => e["content"].Str("body")!)];

    [Fact]
    public async Task An_ignored_users_messages_and_invites_stop_but_their_state_events_stay()
    {
        var alice = await _server.CreateUserAsync("ig-alice");
        var bob = await _server.CreateUserAsync("ig-bob");
        var carol = await _server.CreateUserAsync("ig-carol");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.JoinAsync(roomId, carol);
        await _server.SendMessageAsync(roomId, bob, "from bob");
        await _server.SendMessageAsync(roomId, carol, "from carol");
        Assert.Equal(["from bob", "from carol"], Bodies((await _server.SyncAsync(alice)).JoinedRoom(roomId)));

        await IgnoreAsync(alice, bob);
        var initial = await _server.SyncAsync(alice);
        Assert.Equal(["from carol"], Bodies(initial.JoinedRoom(roomId)));
        await _server.SendMessageAsync(roomId, bob, "bob again");
        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Join, new JsonObject { ["displayname"] = "Bobby" }));
        await _server.SendMessageAsync(roomId, carol, "carol again");
        var incremental = (await _server.SyncAsync(alice, since: initial.NextBatch())).JoinedRoom(roomId);
        Assert.Equal(["carol again"], Bodies(incremental));
        Assert.Contains(incremental.Events("timeline"), e => e.Str("type") == "m.room.member" && e.Str("sender") == bob.UserId);

        var messages = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=50", alice.AccessToken)).Ok();
        Assert.DoesNotContain(messages["chunk"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.message" && e["sender"]!.GetValue<string>() == bob.UserId);

        // Bob's invite to a room of his does not reach Alice; Carol's does.
        var bobsRoom = await _server.CreateRoomAsync(bob);
        var carolsRoom = await _server.CreateRoomAsync(carol);
        await _server.SendEventsAsync(bobsRoom, EventDraft.Member(alice.UserId, bob.UserId, Memberships.Invite));
        await _server.SendEventsAsync(carolsRoom, EventDraft.Member(alice.UserId, carol.UserId, Memberships.Invite));
        var invites = (await _server.SyncAsync(alice))["rooms"]?["invite"]?.AsObject();
        Assert.NotNull(invites);
        Assert.True(invites.ContainsKey(carolsRoom));
        Assert.False(invites.ContainsKey(bobsRoom));

        // Un-ignoring applies at once.
        await IgnoreAsync(alice);
        Assert.Contains("bob again", Bodies((await _server.SyncAsync(alice)).JoinedRoom(roomId)));
    }
}
