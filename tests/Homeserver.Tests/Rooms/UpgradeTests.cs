using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class UpgradeTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<MatrixResponse> UpgradeAsync(TestUser user, string roomId, JsonObject body) =>
        _server.PostAsync(user, $"/rooms/{RoomsClient.Path(roomId)}/upgrade", body);

    [Fact]
    public async Task An_upgrade_carries_state_aliases_bans_and_the_directory_entry()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var mallory = await _server.NewUserAsync("mallory");
        var name = "upgrade" + Guid.NewGuid().ToString("N")[..8];
        var alias = $"#{name}:{_server.ServerName}";
        var oldRoom = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "9",
            ["visibility"] = "public",
            ["room_alias_name"] = name,
            ["name"] = "Old name",
            ["topic"] = "Old topic",
            ["initial_state"] = new JsonArray(
                new JsonObject { ["type"] = "m.room.encryption", ["content"] = new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" } },
                new JsonObject { ["type"] = "m.room.history_visibility", ["content"] = new JsonObject { ["history_visibility"] = "joined" } },
                new JsonObject { ["type"] = "org.example.custom", ["content"] = new JsonObject { ["kept"] = false } }),
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [alice.UserId] = 100, [bob.UserId] = 50 } },
        });
        (await _server.JoinRoomAsync(bob, oldRoom)).Ok();
        (await _server.MembershipAsync(alice, oldRoom, "ban", mallory.UserId, "spam")).Ok();

        var newRoom = (await UpgradeAsync(alice, oldRoom, new JsonObject { ["new_version"] = "11" })).Ok()["replacement_room"]!.GetValue<string>();

        var create = (await _server.StateContentAsync(alice, newRoom, "m.room.create"))!;
        Assert.Equal("11", create["room_version"]!.GetValue<string>());
        Assert.Equal(oldRoom, create["predecessor"]!["room_id"]!.GetValue<string>());
        // Before v12 the predecessor names the tombstone, built before the new room (as Synapse does it).
        var tombstoneEvent = (await _server.GetAsync(alice, $"/rooms/{RoomsClient.Path(oldRoom)}/state/m.room.tombstone/?format=event")).Ok();
        Assert.Equal(tombstoneEvent["event_id"]!.GetValue<string>(), create["predecessor"]!["event_id"]!.GetValue<string>());
        Assert.Equal("Old name", (await _server.StateContentAsync(alice, newRoom, "m.room.name"))!["name"]!.GetValue<string>());
        Assert.Equal("Old topic", (await _server.StateContentAsync(alice, newRoom, "m.room.topic"))!["topic"]!.GetValue<string>());
        Assert.Equal("public", (await _server.StateContentAsync(alice, newRoom, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());
        Assert.Equal("joined", (await _server.StateContentAsync(alice, newRoom, "m.room.history_visibility"))!["history_visibility"]!.GetValue<string>());
        Assert.NotNull(await _server.StateContentAsync(alice, newRoom, "m.room.encryption"));
        Assert.Null(await _server.StateContentAsync(alice, newRoom, "org.example.custom"));
        var powerLevels = (await _server.StateContentAsync(alice, newRoom, "m.room.power_levels"))!;
        Assert.Equal(50, powerLevels["users"]![bob.UserId]!.GetValue<int>());
        Assert.Equal(100, powerLevels["users"]![alice.UserId]!.GetValue<int>());
        Assert.Equal("ban", await _server.MembershipOfAsync(alice, newRoom, mallory.UserId));

        var tombstone = (await _server.StateContentAsync(alice, oldRoom, "m.room.tombstone"))!;
        Assert.Equal(newRoom, tombstone["replacement_room"]!.GetValue<string>());
        var oldLevels = (await _server.StateContentAsync(alice, oldRoom, "m.room.power_levels"))!;
        Assert.Equal(50, oldLevels["events_default"]!.GetValue<int>());
        Assert.Equal(50, oldLevels["invite"]!.GetValue<int>());

        Assert.Equal(newRoom, (await _server.GetAsync(null, $"/directory/room/{RoomsClient.Path(alias)}")).Ok()["room_id"]!.GetValue<string>());
        Assert.Equal(alias, (await _server.StateContentAsync(alice, newRoom, "m.room.canonical_alias"))!["alias"]!.GetValue<string>());
        Assert.False((await _server.StateContentAsync(alice, oldRoom, "m.room.canonical_alias"))!.ContainsKey("alias"));
        Assert.Equal("public", (await _server.GetAsync(null, $"/directory/list/room/{RoomsClient.Path(newRoom)}")).Ok()["visibility"]!.GetValue<string>());
        Assert.Equal("private", (await _server.GetAsync(null, $"/directory/list/room/{RoomsClient.Path(oldRoom)}")).Ok()["visibility"]!.GetValue<string>());
        // Others join the replacement themselves.
        Assert.Null(await _server.MembershipOfAsync(alice, newRoom, bob.UserId));
        (await _server.JoinRoomAsync(bob, newRoom)).Ok();
    }

    [Fact]
    public async Task Upgrading_to_v12_makes_the_upgrader_and_additional_creators_creators()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var oldRoom = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "11",
            ["preset"] = "public_chat",
            ["creation_content"] = new JsonObject { ["type"] = "m.space" },
        });
        var child = await _server.CreateRoomAsync(alice, new JsonObject());
        await _server.SetStateAsync(alice, oldRoom, "m.space.child", child, new JsonObject { ["via"] = RoomsClient.Array(_server.ServerName) });
        (await _server.JoinRoomAsync(bob, oldRoom)).Ok();

        var newRoom = (await UpgradeAsync(alice, oldRoom, new JsonObject { ["new_version"] = "12", ["additional_creators"] = RoomsClient.Array(bob.UserId) }))
            .Ok()["replacement_room"]!.GetValue<string>();

        var create = (await _server.StateContentAsync(alice, newRoom, "m.room.create"))!;
        Assert.Equal("m.space", create["type"]!.GetValue<string>());
        Assert.Equal([bob.UserId], create["additional_creators"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False(create["predecessor"]!.AsObject().ContainsKey("event_id"));
        var users = (await _server.StateContentAsync(alice, newRoom, "m.room.power_levels"))!["users"]!.AsObject();
        Assert.False(users.ContainsKey(alice.UserId));
        Assert.False(users.ContainsKey(bob.UserId));
        Assert.NotNull(await _server.StateContentAsync(alice, newRoom, "m.space.child", child));
    }

    [Fact]
    public async Task A_moderator_raised_to_copy_the_state_gets_their_level_back()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var oldRoom = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "10",
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject
            {
                ["users"] = new JsonObject { [alice.UserId] = 100, [bob.UserId] = 60 },
                ["events"] = new JsonObject { ["m.room.tombstone"] = 60, ["m.room.power_levels"] = 100 },
            },
        });
        (await _server.JoinRoomAsync(bob, oldRoom)).Ok();

        var newRoom = (await UpgradeAsync(bob, oldRoom, new JsonObject { ["new_version"] = "10" })).Ok()["replacement_room"]!.GetValue<string>();
        Assert.Equal(60, (await _server.StateContentAsync(bob, newRoom, "m.room.power_levels"))!["users"]![bob.UserId]!.GetValue<int>());
    }

    [Fact]
    public async Task Levels_written_as_strings_in_old_rooms_become_integers()
    {
        var alice = await _server.NewUserAsync("alice");
        var oldRoom = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["room_version"] = "1",
            ["power_level_content_override"] = new JsonObject
            {
                ["users"] = new JsonObject { [alice.UserId] = "100" },
                ["ban"] = "60",
                ["events"] = new JsonObject { ["m.room.name"] = " 40" },
            },
        });

        var newRoom = (await UpgradeAsync(alice, oldRoom, new JsonObject { ["new_version"] = "10" })).Ok()["replacement_room"]!.GetValue<string>();
        var levels = (await _server.StateContentAsync(alice, newRoom, "m.room.power_levels"))!;
        Assert.Equal(60, levels["ban"]!.GetValue<long>());
        Assert.Equal(40, levels["events"]!["m.room.name"]!.GetValue<long>());
        Assert.Equal(100, levels["users"]![alice.UserId]!.GetValue<long>());
    }

    [Fact]
    public async Task Upgrades_are_checked()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(bob, roomId)).Ok();

        (await UpgradeAsync(bob, roomId, new JsonObject { ["new_version"] = "12" })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await UpgradeAsync(alice, roomId, new JsonObject { ["new_version"] = "99" })).IsError(HttpStatusCode.BadRequest, "M_UNSUPPORTED_ROOM_VERSION");
        (await UpgradeAsync(alice, roomId, new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await UpgradeAsync(alice, roomId, new JsonObject { ["new_version"] = "12", ["additional_creators"] = RoomsClient.Array("bob") }))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await UpgradeAsync(alice, "!unknown:localhost", new JsonObject { ["new_version"] = "12" })).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await UpgradeAsync(null!, roomId, new JsonObject { ["new_version"] = "12" })).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        Assert.Null(await _server.StateContentAsync(alice, roomId, "m.room.tombstone"));
    }
}
