using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>POST /user_directory/search: users sharing a room, and users in public rooms.</summary>
public sealed class UserDirectoryTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<List<string>> SearchAsync(TestUser user, string term, int? limit = null)
    {
        var body = new JsonObject { ["search_term"] = term };
        if (limit is not null) body["limit"] = limit;
        var found = (await _server.PostAsync(user, "/user_directory/search", body)).Ok();
        return [.. found["results"]!.AsArray().Select(r => r!["user_id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Finds_users_sharing_a_room_or_in_public_rooms_but_not_strangers()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var alice = await _server.CreateUserAsync($"alice{tag}");
        var friend = await _server.CreateUserAsync($"friend{tag}");
        var townsfolk = await _server.CreateUserAsync($"towns{tag}");
        var hermit = await _server.CreateUserAsync($"hermit{tag}");
        await _server.SetProfileAsync(friend, $"Best Friend {tag}", "mxc://localhost/f");

        var privateRoom = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(friend.UserId) });
        (await _server.JoinRoomAsync(friend, privateRoom)).Ok();
        await _server.CreateRoomAsync(townsfolk, new JsonObject { ["preset"] = "public_chat" });
        await _server.CreateRoomAsync(hermit, new JsonObject { ["preset"] = "private_chat" });

        var all = await SearchAsync(alice, tag);
        Assert.Contains(friend.UserId, all);
        Assert.Contains(townsfolk.UserId, all);
        Assert.DoesNotContain(hermit.UserId, all);
        Assert.True(all.IndexOf(friend.UserId) < all.IndexOf(townsfolk.UserId), "users sharing a room come first");

        var byName = (await _server.PostAsync(alice, "/user_directory/search", new JsonObject { ["search_term"] = $"best FRIEND {tag}" })).Ok();
        var hit = Assert.Single(byName["results"]!.AsArray())!;
        Assert.Equal(friend.UserId, hit["user_id"]!.GetValue<string>());
        Assert.Equal($"Best Friend {tag}", hit["display_name"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/f", hit["avatar_url"]!.GetValue<string>());
        Assert.False(byName["limited"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Searchers_find_themselves_while_a_room_of_theirs_is_public_or_world_readable()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var creator = await _server.CreateUserAsync($"creator{tag}");
        var user = await _server.CreateUserAsync($"self{tag}");
        var roomId = await _server.CreateRoomAsync(creator, new JsonObject { ["preset"] = "private_chat", ["invite"] = new JsonArray(user.UserId) });
        (await _server.JoinRoomAsync(user, roomId)).Ok();
        Assert.DoesNotContain(user.UserId, await SearchAsync(user, $"self{tag}"));

        await _server.SetStateAsync(creator, roomId, "m.room.join_rules", "", new JsonObject { ["join_rule"] = "public" });
        Assert.Contains(user.UserId, await SearchAsync(user, $"self{tag}"));
        await _server.SetStateAsync(creator, roomId, "m.room.join_rules", "", new JsonObject { ["join_rule"] = "invite" });
        Assert.DoesNotContain(user.UserId, await SearchAsync(user, $"self{tag}"));

        await _server.SetStateAsync(creator, roomId, "m.room.history_visibility", "", new JsonObject { ["history_visibility"] = "world_readable" });
        Assert.Contains(user.UserId, await SearchAsync(user, $"self{tag}"));
        // The creator shares the room with the user, whatever its rules.
        await _server.SetStateAsync(creator, roomId, "m.room.history_visibility", "", new JsonObject { ["history_visibility"] = "shared" });
        Assert.DoesNotContain(user.UserId, await SearchAsync(user, $"self{tag}"));
        Assert.Contains(user.UserId, await SearchAsync(creator, $"self{tag}"));
    }

    [Fact]
    public async Task Limit_truncates_and_sets_limited_and_wildcards_match_literally()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var alice = await _server.CreateUserAsync($"lim{tag}a");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        for (var i = 0; i < 3; i++)
        {
            var user = await _server.CreateUserAsync($"lim{tag}u{i}");
            (await _server.JoinRoomAsync(user, roomId)).Ok();
        }

        var page = (await _server.PostAsync(alice, "/user_directory/search", new JsonObject { ["search_term"] = $"lim{tag}", ["limit"] = 2 })).Ok();
        Assert.Equal(2, page["results"]!.AsArray().Count);
        Assert.True(page["limited"]!.GetValue<bool>());
        Assert.Empty(await SearchAsync(alice, $"lim{tag}%"));
        Assert.Empty(await SearchAsync(alice, $"li_{tag}"));
    }

    [Fact]
    public async Task Users_in_public_rooms_are_found_behind_many_who_are_not()
    {
        // Sixty users (more than one batch of the public-room check) sort first and are in private rooms only.
        var tag = Guid.NewGuid().ToString("N")[..6];
        var searcher = await _server.CreateUserAsync($"seeker{tag}");
        for (var i = 0; i < 60; i++)
        {
            var hidden = await _server.CreateUserAsync($"dir{tag}a{i:D2}");
            await _server.CreateRoomAsync(hidden, new JsonObject { ["preset"] = "private_chat" });
        }

        var host = await _server.CreateUserAsync($"dir{tag}z0");
        var roomId = await _server.CreateRoomAsync(host, new JsonObject { ["preset"] = "public_chat" });
        var guest = await _server.CreateUserAsync($"dir{tag}z1");
        (await _server.JoinRoomAsync(guest, roomId)).Ok();

        Assert.Equal([host.UserId, guest.UserId], await SearchAsync(searcher, $"dir{tag}"));
        var page = (await _server.PostAsync(searcher, "/user_directory/search", new JsonObject { ["search_term"] = $"dir{tag}", ["limit"] = 1 })).Ok();
        Assert.Equal(host.UserId, Assert.Single(page["results"]!.AsArray())!["user_id"]!.GetValue<string>());
        Assert.True(page["limited"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        var alice = await _server.CreateUserAsync($"bad{Guid.NewGuid():N}"[..12]);
        (await _server.PostAsync(alice, "/user_directory/search", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.PostAsync(alice, "/user_directory/search", new JsonObject { ["search_term"] = "x", ["limit"] = "ten" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.PostAsync(null, "/user_directory/search", new JsonObject { ["search_term"] = "x" })).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
