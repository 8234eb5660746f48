using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>/sync filters given inline (spec: "Filtering").</summary>
public sealed class FilterTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Room(JsonObject roomFilter) => new JsonObject { ["room"] = roomFilter }.ToJsonString();

    [Fact]
    public async Task Timeline_types_and_senders_filter_the_timeline()
    {
        var alice = await _server.CreateUserAsync("ft-alice");
        var bob = await _server.CreateUserAsync("ft-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var fromAlice = await _server.SendMessageAsync(roomId, alice, "a");
        var fromBob = await _server.SendMessageAsync(roomId, bob, "b");
        var topic = (await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", alice.UserId, new JsonObject { ["topic"] = "t" })))[0];

        var messages = (await _server.SyncAsync(alice, filter: """{"room":{"timeline":{"types":["m.room.message"]}}}""")).JoinedRoom(roomId);
        Assert.Equal([fromAlice, fromBob], messages.EventIds("timeline"));

        var wildcard = (await _server.SyncAsync(alice, filter: """{"room":{"timeline":{"types":["m.room.*"],"not_types":["m.room.member","m.room.message"]}}}""")).JoinedRoom(roomId);
        Assert.Contains(topic, wildcard.EventIds("timeline"));
        Assert.All(wildcard.Events("timeline"), e => Assert.StartsWith("m.room.", e.Str("type")));
        Assert.DoesNotContain(wildcard.Events("timeline"), e => e.Str("type") is EventTypes.Member or EventTypes.Message);

        var notBob = (await _server.SyncAsync(alice, filter: Room(new JsonObject { ["timeline"] = new JsonObject { ["types"] = new JsonArray("m.room.message"), ["not_senders"] = new JsonArray(bob.UserId) } }))).JoinedRoom(roomId);
        Assert.Equal([fromAlice], notBob.EventIds("timeline"));
    }

    [Fact]
    public async Task Room_lists_pick_the_rooms()
    {
        var alice = await _server.CreateUserAsync("fr-alice");
        var kept = await _server.CreateRoomAsync(alice);
        var dropped = await _server.CreateRoomAsync(alice);

        var only = await _server.SyncAsync(alice, filter: Room(new JsonObject { ["rooms"] = new JsonArray(kept) }));
        Assert.NotNull(only.JoinedRoom(kept));
        Assert.Null(only.JoinedRoom(dropped));

        var not = await _server.SyncAsync(alice, filter: Room(new JsonObject { ["not_rooms"] = new JsonArray(kept) }));
        Assert.Null(not.JoinedRoom(kept));
        Assert.NotNull(not.JoinedRoom(dropped));
    }

    [Fact]
    public async Task State_filter_and_contains_url()
    {
        var alice = await _server.CreateUserAsync("fs-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        for (var i = 0; i < 3; i++) await _server.SendMessageAsync(roomId, alice, $"m{i}");
        var image = (await _server.SendEventsAsync(roomId, new EventDraft(EventTypes.Message, null, alice.UserId,
            new JsonObject { ["msgtype"] = "m.image", ["body"] = "cat.png", ["url"] = "mxc://localhost/cat" })))[0];

        var sync = await _server.SyncAsync(alice, filter: """{"room":{"timeline":{"limit":1,"contains_url":true},"state":{"types":["m.room.create"]}}}""");

        var room = sync.JoinedRoom(roomId);
        Assert.Equal([image], room.EventIds("timeline"));
        Assert.Equal([EventTypes.Create], room.Events("state").Select(e => e.Str("type")));
    }

    [Fact]
    public async Task Event_fields_and_federation_format_shape_the_events()
    {
        var alice = await _server.CreateUserAsync("ff-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.SendMessageAsync(roomId, alice, "shaped");

        var slim = (await _server.SyncAsync(alice, filter: """{"event_fields":["type","content.body"],"room":{"timeline":{"limit":1}}}""")).JoinedRoom(roomId);
        var message = slim.Events("timeline").Single();
        Assert.Equal(["content", "type"], message.Select(kv => kv.Key).Order());
        Assert.Equal(["body"], message["content"]!.AsObject().Select(kv => kv.Key));

        var federation = (await _server.SyncAsync(alice, filter: """{"event_format":"federation","room":{"timeline":{"limit":1}}}""")).JoinedRoom(roomId);
        var pdu = federation.Events("timeline").Single();
        Assert.NotNull(pdu["prev_events"]);
        Assert.NotNull(pdu["auth_events"]);
        Assert.NotNull(pdu["depth"]);
    }

    [Fact]
    public async Task Empty_type_lists_turn_sections_off()
    {
        var alice = await _server.CreateUserAsync("fo-alice");
        var bob = await _server.CreateUserAsync("fo-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{roomId}/typing/{bob.UserId}", new JsonObject { ["typing"] = true }, bob.AccessToken);
        await _server.SyncAsync(bob);

        var all = await _server.SyncAsync(alice);
        Assert.NotNull(all["presence"]);
        Assert.Contains(all.JoinedRoom(roomId).Events("ephemeral"), e => e.Str("type") == "m.typing");

        var none = await _server.SyncAsync(alice, filter: """{"presence":{"types":[]},"room":{"ephemeral":{"types":[]},"timeline":{"types":[]}}}""");
        Assert.Null(none["presence"]);
        Assert.Empty(none.JoinedRoom(roomId).Events("ephemeral"));
        Assert.Empty(none.JoinedRoom(roomId).Events("timeline"));
    }
}
