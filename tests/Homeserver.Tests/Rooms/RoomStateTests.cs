using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class RoomStateTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Room(string roomId) => $"/rooms/{RoomsClient.Path(roomId)}";

    private static List<string> Types(JsonArray events) => [.. events.Select(e => e!["type"]!.GetValue<string>())];

    private static List<string> Members(JsonObject members) => [.. members["chunk"]!.AsArray().Select(e => e!["state_key"]!.GetValue<string>()).Order()];

    [Fact]
    public async Task Members_read_the_whole_state_non_members_nothing()
    {
        var alice = await _server.NewUserAsync("alice");
        var outsider = await _server.NewUserAsync("outsider");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["name"] = "Secret" });

        var state = (JsonArray)(await _server.GetAsync(alice, $"{Room(roomId)}/state")).Body!;
        Assert.Contains("m.room.create", Types(state));
        Assert.Contains("m.room.name", Types(state));
        Assert.All(state, e => Assert.Equal(roomId, e!["room_id"]!.GetValue<string>()));

        (await _server.GetAsync(outsider, $"{Room(roomId)}/state")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(outsider, $"{Room(roomId)}/state/m.room.name")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(outsider, $"{Room(roomId)}/members")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(outsider, $"{Room(roomId)}/joined_members")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        // An unknown room looks the same as a closed one.
        (await _server.GetAsync(outsider, "/rooms/!unknown:localhost/state")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(outsider, "/rooms/nope/state")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.GetAsync(null, $"{Room(roomId)}/state")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task World_readable_rooms_can_be_read_by_anyone()
    {
        var alice = await _server.NewUserAsync("alice");
        var outsider = await _server.NewUserAsync("outsider");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["initial_state"] = RoomsClient.InitialState("m.room.history_visibility", "history_visibility", "world_readable"),
        });
        Assert.Equal([alice.UserId], Members((await _server.GetAsync(outsider, $"{Room(roomId)}/members")).Ok()));
        Assert.True((await _server.GetAsync(outsider, $"{Room(roomId)}/joined_members")).Ok()["joined"]!.AsObject().ContainsKey(alice.UserId));
        (await _server.GetAsync(outsider, $"{Room(roomId)}/state")).Raw.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_user_who_left_sees_the_state_as_it_was_when_they_left()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "Before" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.PostAsync(bob, $"{Room(roomId)}/leave")).Ok();
        await _server.SetStateAsync(alice, roomId, "m.room.name", "", new JsonObject { ["name"] = "After" });
        (await _server.JoinRoomAsync(carol, roomId)).Ok();

        Assert.Equal("Before", (await _server.StateContentAsync(bob, roomId, "m.room.name"))!["name"]!.GetValue<string>());
        Assert.Equal([alice.UserId, bob.UserId], Members((await _server.GetAsync(bob, $"{Room(roomId)}/members")).Ok()));
        (await _server.GetAsync(bob, $"{Room(roomId)}/joined_members")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        (await _server.PostAsync(bob, $"{Room(roomId)}/forget")).Ok();
        (await _server.GetAsync(bob, $"{Room(roomId)}/state")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_banned_user_reads_neither_state_nor_history()
    {
        // As Synapse: only a leave keeps the departed view; a ban ends it (a world-readable room stays readable).
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.PostAsync(alice, $"{Room(roomId)}/ban", new JsonObject { ["user_id"] = bob.UserId })).Ok();

        (await _server.GetAsync(bob, $"{Room(roomId)}/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(bob, $"{Room(roomId)}/members")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.GetAsync(bob, $"{Room(roomId)}/messages?dir=b")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Someone_who_only_rejected_an_invite_sees_nothing()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = RoomsClient.Array(bob.UserId) });
        (await _server.GetAsync(bob, $"{Room(roomId)}/state")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PostAsync(bob, $"{Room(roomId)}/leave")).Ok();
        (await _server.GetAsync(bob, $"{Room(roomId)}/members")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_state_event_as_content_or_as_event()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["name"] = "Named" });

        var content = (await _server.GetAsync(alice, $"{Room(roomId)}/state/m.room.name")).Ok();
        Assert.Equal("Named", content["name"]!.GetValue<string>());
        Assert.False(content.ContainsKey("event_id"));
        var asEvent = (await _server.GetAsync(alice, $"{Room(roomId)}/state/m.room.name/?format=event")).Ok();
        Assert.Equal("m.room.name", asEvent["type"]!.GetValue<string>());
        Assert.Equal("", asEvent["state_key"]!.GetValue<string>());
        Assert.Equal(alice.UserId, asEvent["sender"]!.GetValue<string>());
        Assert.StartsWith("$", asEvent["event_id"]!.GetValue<string>());

        (await _server.GetAsync(alice, $"{Room(roomId)}/state/m.room.topic")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.GetAsync(alice, $"{Room(roomId)}/state/m.room.name?format=xml")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData("10")]
    [InlineData("12")]
    public async Task A_second_create_event_is_403_M_FORBIDDEN(string version)
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["room_version"] = version });

        (await _server.PutAsync(alice, $"{Room(roomId)}/state/m.room.create", new JsonObject { ["again"] = true })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PutAsync(alice, $"{Room(roomId)}/send/m.room.create/again", new JsonObject { ["again"] = true })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var state = (JsonArray)(await _server.GetAsync(alice, $"{Room(roomId)}/state")).Body!;
        Assert.Single(state, e => e!["type"]!.GetValue<string>() == "m.room.create");
    }

    [Fact]
    public async Task Putting_state_returns_the_event_and_repeats_are_idempotent()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();

        var first = (await _server.PutAsync(alice, $"{Room(roomId)}/state/m.room.topic", new JsonObject { ["topic"] = "one" })).Ok()["event_id"]!.GetValue<string>();
        var again = (await _server.PutAsync(alice, $"{Room(roomId)}/state/m.room.topic/", new JsonObject { ["topic"] = "one" })).Ok()["event_id"]!.GetValue<string>();
        Assert.Equal(first, again);
        var changed = await _server.SetStateAsync(alice, roomId, "m.room.topic", "", new JsonObject { ["topic"] = "two" });
        Assert.NotEqual(first, changed);

        var custom = await _server.SetStateAsync(alice, roomId, "org.example.thing", "a/b", new JsonObject { ["x"] = 1 });
        var read = (await _server.GetAsync(alice, $"{Room(roomId)}/state/org.example.thing/a%2Fb?format=event")).Ok();
        Assert.Equal(custom, read["event_id"]!.GetValue<string>());
        Assert.Equal("a/b", read["state_key"]!.GetValue<string>());

        (await _server.PutAsync(bob, $"{Room(roomId)}/state/m.room.topic", new JsonObject { ["topic"] = "mine" })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.SendAsync(HttpMethod.Put, $"/_matrix/client/v3{Room(roomId)}/state/m.room.topic", accessToken: alice.AccessToken, rawBody: "topic"))
            .IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.SendAsync(HttpMethod.Put, $"/_matrix/client/v3{Room(roomId)}/state/m.room.topic", accessToken: alice.AccessToken, rawBody: "[1]"))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.PutAsync(alice, $"{Room(roomId)}/state/m.room.topic", new JsonObject { ["big"] = new string('x', 70_000) }))
            .IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Fact]
    public async Task Members_can_be_filtered_by_membership()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var carol = await _server.NewUserAsync("carol");
        var dave = await _server.NewUserAsync("dave");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["invite"] = RoomsClient.Array(carol.UserId) });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        (await _server.JoinRoomAsync(dave, roomId)).Ok();
        (await _server.PostAsync(dave, $"{Room(roomId)}/leave")).Ok();

        async Task<List<string>> Query(string query) => Members((await _server.GetAsync(alice, $"{Room(roomId)}/members{query}")).Ok());
        Assert.Equal(new[] { alice.UserId, bob.UserId, carol.UserId, dave.UserId }.Order(), await Query(""));
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(), await Query("?membership=join"));
        Assert.Equal(new[] { alice.UserId, bob.UserId, carol.UserId }.Order(), await Query("?not_membership=leave"));
        // Both filters: membership is invite, or is not join.
        Assert.Equal(new[] { carol.UserId, dave.UserId }.Order(), await Query("?membership=invite&not_membership=join"));
        (await _server.GetAsync(alice, $"{Room(roomId)}/members?membership=dancing")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.GetAsync(alice, $"{Room(roomId)}/members?at=yesterday")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        var joined = (await _server.GetAsync(alice, $"{Room(roomId)}/joined_members")).Ok()["joined"]!.AsObject();
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(), joined.Select(kv => kv.Key).Order());
        // Unset profile fields are there, as null (Synapse's shape).
        Assert.True(joined[alice.UserId]!.AsObject().ContainsKey("avatar_url"));
        Assert.Null(joined[alice.UserId]!["avatar_url"]);
        Assert.True(joined[alice.UserId]!.AsObject().ContainsKey("display_name"));
    }

    [Fact]
    public async Task Members_at_a_position_show_the_state_of_then()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var before = await _server.SendMessageAsync(roomId, alice, "before bob");
        var position = await _server.StreamOrderingOfAsync(before);

        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        Assert.Equal([alice.UserId], Members((await _server.GetAsync(alice, $"{Room(roomId)}/members?at=s{position}")).Ok()));
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(), Members((await _server.GetAsync(alice, $"{Room(roomId)}/members")).Ok()));
    }

    [Fact]
    public async Task Joined_rooms_lists_only_joins()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var joined = await _server.CreateRoomAsync(bob, new JsonObject());
        await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = RoomsClient.Array(bob.UserId) });
        var left = await _server.CreateRoomAsync(bob, new JsonObject());
        (await _server.PostAsync(bob, $"{Room(left)}/leave")).Ok();

        Assert.Equal([joined], (await _server.GetAsync(bob, "/joined_rooms")).Ok()["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()));
        (await _server.GetAsync(null, "/joined_rooms")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
