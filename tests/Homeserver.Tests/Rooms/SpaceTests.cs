using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class SpaceTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(RoomsClient.WithoutFederation);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<string> SpaceAsync(TestUser creator, string preset = "public_chat") =>
        _server.CreateRoomAsync(creator, new JsonObject { ["preset"] = preset, ["creation_content"] = new JsonObject { ["type"] = "m.space" } });

    private Task<string> AddChildAsync(TestUser user, string space, string child, JsonObject? extra = null)
    {
        var content = new JsonObject { ["via"] = RoomsClient.Array(_server.ServerName) };
        foreach (var (key, value) in extra ?? []) content[key] = value?.DeepClone();
        return _server.SetStateAsync(user, space, "m.space.child", child, content);
    }

    private async Task<JsonObject> HierarchyAsync(TestUser? user, string space, string query = "")
    {
        var response = await _server.Http.GetJsonAsync($"/_matrix/client/v1/rooms/{RoomsClient.Path(space)}/hierarchy{query}", user?.AccessToken);
        return response.Ok();
    }

    private static List<string> RoomIds(JsonObject page) => [.. page["rooms"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>())];

    [Fact]
    public async Task The_hierarchy_walks_children_depth_first_in_order_and_hides_what_the_user_cannot_see()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var space = await SpaceAsync(alice);
        var subspace = await SpaceAsync(alice);
        var first = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "First" });
        var deep = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var hidden = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var readable = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
            ["initial_state"] = RoomsClient.InitialState("m.room.history_visibility", "history_visibility", "world_readable"),
        });
        await AddChildAsync(alice, space, subspace, new JsonObject { ["order"] = "b" });
        await AddChildAsync(alice, space, first, new JsonObject { ["order"] = "a", ["suggested"] = true });
        await AddChildAsync(alice, space, hidden);
        await AddChildAsync(alice, space, readable);
        await AddChildAsync(alice, space, "!remote:remote.example");
        await AddChildAsync(alice, subspace, deep);
        // A child with an empty via list has been removed.
        await _server.SetStateAsync(alice, space, "m.space.child", deep, new JsonObject { ["via"] = new JsonArray() });

        var page = await HierarchyAsync(bob, space);
        Assert.Equal([space, first, subspace, deep, readable], RoomIds(page));
        var root = page["rooms"]![0]!.AsObject();
        Assert.Equal("m.space", root["room_type"]!.GetValue<string>());
        Assert.Equal("12", root["room_version"]!.GetValue<string>());
        var children = root["children_state"]!.AsArray();
        Assert.Equal(5, children.Count);
        Assert.Equal(first, children[0]!["state_key"]!.GetValue<string>());
        Assert.True(children[0]!.AsObject().ContainsKey("origin_server_ts"));
        Assert.Empty(page["rooms"]![1]!["children_state"]!.AsArray());
        Assert.Equal("First", page["rooms"]![1]!["name"]!.GetValue<string>());

        Assert.Equal([space, first, subspace, deep, hidden, readable], RoomIds(await HierarchyAsync(alice, space)));
        Assert.Equal([space, first, subspace, hidden, readable], RoomIds(await HierarchyAsync(alice, space, "?max_depth=1")));
        Assert.Equal([space], RoomIds(await HierarchyAsync(alice, space, "?max_depth=0")));
        Assert.Equal([space, first], RoomIds(await HierarchyAsync(alice, space, "?suggested_only=true")));
    }

    [Fact]
    public async Task The_hierarchy_pages_and_checks_its_token()
    {
        var alice = await _server.NewUserAsync("alice");
        var space = await SpaceAsync(alice);
        var rooms = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var room = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
            await AddChildAsync(alice, space, room, new JsonObject { ["order"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            rooms.Add(room);
        }

        var first = await HierarchyAsync(alice, space, "?limit=2");
        Assert.Equal([space, rooms[0]], RoomIds(first));
        var token = first["next_batch"]!.GetValue<string>();
        var second = await HierarchyAsync(alice, space, $"?limit=2&from={token}");
        Assert.Equal([rooms[1], rooms[2]], RoomIds(second));
        var third = await HierarchyAsync(alice, space, $"?limit=2&from={second["next_batch"]}");
        Assert.Equal([rooms[3]], RoomIds(third));
        Assert.False(third.ContainsKey("next_batch"));

        async Task<MatrixResponse> Get(string query) => await _server.Http.GetJsonAsync($"/_matrix/client/v1/rooms/{RoomsClient.Path(space)}/hierarchy{query}", alice.AccessToken);
        (await Get($"?from={token}&suggested_only=true")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Get($"?from={token}&max_depth=3")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Get("?from=garbage")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Get("?limit=0")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Get("?max_depth=-1")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await Get("?suggested_only=maybe")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task A_space_the_user_may_not_see_is_forbidden()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var space = await SpaceAsync(alice, "private_chat");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v1/rooms/{RoomsClient.Path(space)}/hierarchy", bob.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync("/_matrix/client/v1/rooms/!unknown:localhost/hierarchy", bob.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v1/rooms/{RoomsClient.Path(space)}/hierarchy", null)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await _server.MembershipAsync(alice, space, "invite", bob.UserId)).Ok();
        Assert.Equal([space], RoomIds(await HierarchyAsync(bob, space)));
    }

    [Fact]
    public async Task Room_summaries_for_those_who_may_preview()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var name = "summary" + Guid.NewGuid().ToString("N")[..8];
        var open = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = name, ["topic"] = "Open room" });
        var closed = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });

        async Task<MatrixResponse> Summary(string target, TestUser? user) =>
            await _server.Http.GetJsonAsync($"/_matrix/client/v1/room_summary/{RoomsClient.Path(target)}", user?.AccessToken);

        var anonymous = (await Summary($"#{name}:{_server.ServerName}", null)).Ok();
        Assert.Equal(open, anonymous["room_id"]!.GetValue<string>());
        Assert.Equal("Open room", anonymous["topic"]!.GetValue<string>());
        Assert.Equal(1, anonymous["num_joined_members"]!.GetValue<int>());
        Assert.False(anonymous.ContainsKey("membership"));
        Assert.Equal("leave", (await Summary(open, bob)).Ok()["membership"]!.GetValue<string>());
        Assert.Equal("join", (await Summary(closed, alice)).Ok()["membership"]!.GetValue<string>());

        (await Summary(closed, bob)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Summary(closed, null)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Summary("!unknown:localhost", bob)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Summary("#unknown:localhost", bob)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v1/room_summary/{RoomsClient.Path(open)}", "not-a-token")).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");

        (await _server.MembershipAsync(alice, closed, "invite", bob.UserId)).Ok();
        Assert.Equal("invite", (await Summary(closed, bob)).Ok()["membership"]!.GetValue<string>());
    }
}
