using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>The published room directory; one server of its own, so the listing holds only these rooms.</summary>
public sealed class DirectoryTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private TestUser _alice = null!;
    private readonly List<string> _rooms = [];

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(RoomsClient.WithoutFederation);
        _alice = await _server.NewUserAsync("alice");
        // Five published rooms with 1..5 joined members, so the order (largest first) is known; one space.
        for (var i = 0; i < 5; i++)
        {
            var body = new JsonObject { ["visibility"] = "public", ["name"] = $"Room {i}", ["topic"] = i == 2 ? "All about Cheese" : "chat" };
            if (i == 4) body["creation_content"] = new JsonObject { ["type"] = "m.space" };
            if (i == 3) body["room_alias_name"] = "searchable" + Guid.NewGuid().ToString("N")[..6];
            var roomId = await _server.CreateRoomAsync(_alice, body);
            for (var j = 0; j < i; j++) (await _server.JoinRoomAsync(await _server.NewUserAsync("member"), roomId)).Ok();
            _rooms.Add(roomId);
        }

        await _server.CreateRoomAsync(_alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "Not published" });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static List<string> RoomIds(JsonObject page) => [.. page["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>())];

    [Fact]
    public async Task Published_rooms_are_listed_largest_first_with_their_details()
    {
        var page = (await _server.GetAsync(null, "/publicRooms")).Ok();
        Assert.Equal(Enumerable.Reverse(_rooms), RoomIds(page));
        Assert.Equal(5, page["total_room_count_estimate"]!.GetValue<int>());
        Assert.False(page.ContainsKey("next_batch"));
        Assert.False(page.ContainsKey("prev_batch"));

        var space = page["chunk"]![0]!.AsObject();
        Assert.Equal(5, space["num_joined_members"]!.GetValue<int>());
        Assert.Equal("Room 4", space["name"]!.GetValue<string>());
        Assert.Equal("m.space", space["room_type"]!.GetValue<string>());
        Assert.Equal("public", space["join_rule"]!.GetValue<string>());
        Assert.False(space["world_readable"]!.GetValue<bool>());
        Assert.False(space["guest_can_join"]!.GetValue<bool>());
        Assert.StartsWith("#searchable", page["chunk"]![1]!["canonical_alias"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_follow_next_and_prev_batch()
    {
        var first = (await _server.GetAsync(null, "/publicRooms?limit=2")).Ok();
        Assert.Equal([_rooms[4], _rooms[3]], RoomIds(first));
        var second = (await _server.GetAsync(null, $"/publicRooms?limit=2&since={first["next_batch"]}")).Ok();
        Assert.Equal([_rooms[2], _rooms[1]], RoomIds(second));
        var third = (await _server.PostAsync(_alice, "/publicRooms", new JsonObject { ["limit"] = 2, ["since"] = second["next_batch"]!.GetValue<string>() })).Ok();
        Assert.Equal([_rooms[0]], RoomIds(third));
        Assert.False(third.ContainsKey("next_batch"));
        var back = (await _server.GetAsync(null, $"/publicRooms?limit=2&since={third["prev_batch"]}")).Ok();
        Assert.Equal([_rooms[2], _rooms[1]], RoomIds(back));
        Assert.Equal(5, back["total_room_count_estimate"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_filter_searches_name_topic_and_alias_and_room_types()
    {
        async Task<List<string>> Search(JsonObject filter) =>
            RoomIds((await _server.PostAsync(_alice, "/publicRooms", new JsonObject { ["filter"] = filter })).Ok());

        Assert.Equal([_rooms[2]], await Search(new JsonObject { ["generic_search_term"] = "cheese" }));
        Assert.Equal([_rooms[1]], await Search(new JsonObject { ["generic_search_term"] = "ROOM 1" }));
        Assert.Equal([_rooms[3]], await Search(new JsonObject { ["generic_search_term"] = "searchable" }));
        Assert.Equal([_rooms[4]], await Search(new JsonObject { ["room_types"] = RoomsClient.Array("m.space") }));
        Assert.Equal(4, (await Search(new JsonObject { ["room_types"] = new JsonArray((JsonNode?)null) })).Count);
        Assert.Empty(await Search(new JsonObject { ["generic_search_term"] = "nothing like it" }));
        var thirdParty = (await _server.PostAsync(_alice, "/publicRooms", new JsonObject { ["third_party_instance_id"] = "irc" })).Ok();
        Assert.Empty(thirdParty["chunk"]!.AsArray());
    }

    [Fact]
    public async Task Bad_directory_requests()
    {
        (await _server.GetAsync(null, "/publicRooms?since=zzz")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.GetAsync(null, "/publicRooms?limit=many")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.GetAsync(null, "/publicRooms?limit=-1")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.GetAsync(null, "/publicRooms?server=remote.example")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.Equal(5, (await _server.GetAsync(null, $"/publicRooms?server={_server.ServerName}")).Ok()["chunk"]!.AsArray().Count);
        (await _server.PostAsync(null, "/publicRooms", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await _server.PostAsync(_alice, "/publicRooms", new JsonObject { ["limit"] = "two" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Fact]
    public async Task Moderators_and_admins_publish_and_unpublish()
    {
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(_alice, new JsonObject { ["preset"] = "public_chat", ["name"] = "Toggle" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();
        var path = $"/directory/list/room/{RoomsClient.Path(roomId)}";

        (await _server.PutAsync(bob, path, new JsonObject { ["visibility"] = "public" })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PutAsync(_alice, path, new JsonObject { ["visibility"] = "hidden" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PutAsync(_alice, path, new JsonObject())).Ok();
        Assert.Equal("public", (await _server.GetAsync(null, path)).Ok()["visibility"]!.GetValue<string>());
        var admin = await _server.NewUserAsync("admin", admin: true);
        (await _server.PutAsync(admin, path, new JsonObject { ["visibility"] = "private" })).Ok();
        Assert.Equal("private", (await _server.GetAsync(null, path)).Ok()["visibility"]!.GetValue<string>());
        (await _server.GetAsync(null, "/directory/list/room/!unknown:localhost")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.PutAsync(_alice, "/directory/list/room/!unknown:localhost", new JsonObject())).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }
}
