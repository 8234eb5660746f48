using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

public sealed class CreateRoomTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(RoomsClient.WithoutFederation);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Versions => [.. RoomVersions.All.Select(v => v.Id)];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Every_room_version_can_be_created(string version)
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["room_version"] = version, ["name"] = "v" + version });

        var create = await _server.StateContentAsync(alice, roomId, "m.room.create");
        Assert.Equal(version, create!["room_version"]!.GetValue<string>());
        Assert.Equal("v" + version, (await _server.StateContentAsync(alice, roomId, "m.room.name"))!["name"]!.GetValue<string>());
        var powerLevels = await _server.StateContentAsync(alice, roomId, "m.room.power_levels");
        var v12 = RoomVersions.Find(version)!.PrivilegedCreators;
        // Creators of v12 rooms have infinite power and may not be listed.
        Assert.Equal(!v12, powerLevels!["users"]!.AsObject().ContainsKey(alice.UserId));
        Assert.Equal(v12 ? 150 : 100, powerLevels["events"]!["m.room.tombstone"]!.GetValue<int>());
        Assert.Equal(!RoomVersions.Find(version)!.ImplicitRoomCreator, create.ContainsKey("creator"));
    }

    [Fact]
    public async Task The_default_version_is_12_and_events_come_in_the_spec_order()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
            ["room_alias_name"] = "order" + Guid.NewGuid().ToString("N")[..8],
            ["name"] = "Order",
            ["topic"] = "Events in order",
            ["invite"] = RoomsClient.Array(bob.UserId),
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.pinned_events", ["content"] = new JsonObject { ["pinned"] = new JsonArray() } }),
        });

        Assert.Equal("12", (await _server.StateContentAsync(alice, roomId, "m.room.create"))!["room_version"]!.GetValue<string>());
        var order = (await _server.EventOrderAsync(roomId)).Select(e => e.Type).ToList();
        Assert.Equal(
            [
                "m.room.create", "m.room.member", "m.room.power_levels", "m.room.canonical_alias", "m.room.join_rules",
                "m.room.history_visibility", "m.room.guest_access", "m.room.pinned_events", "m.room.name", "m.room.topic", "m.room.member",
            ],
            order);
    }

    [Theory]
    [InlineData("private_chat", "invite", "can_join", 0)]
    [InlineData("trusted_private_chat", "invite", "can_join", 0)]
    [InlineData("public_chat", "public", null, 50)]
    public async Task Presets_set_join_rules_history_guest_access_and_invite_level(string preset, string joinRule, string? guestAccess, int inviteLevel)
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = preset });

        Assert.Equal(joinRule, (await _server.StateContentAsync(alice, roomId, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());
        Assert.Equal("shared", (await _server.StateContentAsync(alice, roomId, "m.room.history_visibility"))!["history_visibility"]!.GetValue<string>());
        Assert.Equal(guestAccess, (await _server.StateContentAsync(alice, roomId, "m.room.guest_access"))?["guest_access"]!.GetValue<string>());
        var powerLevels = (await _server.StateContentAsync(alice, roomId, "m.room.power_levels"))!;
        Assert.Equal(inviteLevel, powerLevels["invite"]!.GetValue<int>());
        Assert.Equal(preset == "public_chat", powerLevels["events"]!.AsObject().ContainsKey("m.call.invite"));
        Assert.Null(await _server.StateContentAsync(alice, roomId, "m.room.encryption"));
    }

    [Fact]
    public async Task Visibility_picks_the_preset_and_lists_the_room_in_the_directory()
    {
        var alice = await _server.NewUserAsync("alice");
        var publicRoom = await _server.CreateRoomAsync(alice, new JsonObject { ["visibility"] = "public" });
        var privateRoom = await _server.CreateRoomAsync(alice, new JsonObject());

        Assert.Equal("public", (await _server.StateContentAsync(alice, publicRoom, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());
        Assert.Equal("invite", (await _server.StateContentAsync(alice, privateRoom, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());
        Assert.Equal("public", (await _server.GetAsync(null, $"/directory/list/room/{RoomsClient.Path(publicRoom)}")).Ok()["visibility"]!.GetValue<string>());
        Assert.Equal("private", (await _server.GetAsync(null, $"/directory/list/room/{RoomsClient.Path(privateRoom)}")).Ok()["visibility"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invites_carry_is_direct_and_the_invitees_profile()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        await _server.SetProfileAsync(bob, "Bob B", "mxc://localhost/bob");
        await _server.SetProfileAsync(alice, "Alice A", null);
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["invite"] = RoomsClient.Array(bob.UserId), ["is_direct"] = true });

        var invite = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
        Assert.Equal("invite", invite["membership"]!.GetValue<string>());
        Assert.True(invite["is_direct"]!.GetValue<bool>());
        Assert.Equal("Bob B", invite["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/bob", invite["avatar_url"]!.GetValue<string>());
        Assert.Equal("Alice A", (await _server.StateContentAsync(alice, roomId, "m.room.member", alice.UserId))!["displayname"]!.GetValue<string>());
    }

    [Fact]
    public async Task Trusted_private_chat_makes_invitees_admins_or_v12_creators()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.NewUserAsync("bob");
        var v11 = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "trusted_private_chat", ["invite"] = RoomsClient.Array(bob.UserId), ["room_version"] = "11" });
        var v12 = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "trusted_private_chat",
            ["invite"] = RoomsClient.Array(bob.UserId),
            ["creation_content"] = new JsonObject { ["additional_creators"] = RoomsClient.Array(bob.UserId) },
        });

        Assert.Equal(100, (await _server.StateContentAsync(alice, v11, "m.room.power_levels"))!["users"]![bob.UserId]!.GetValue<int>());
        var create = (await _server.StateContentAsync(alice, v12, "m.room.create"))!;
        Assert.Equal([bob.UserId], create["additional_creators"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Empty((await _server.StateContentAsync(alice, v12, "m.room.power_levels"))!["users"]!.AsObject());
    }

    [Fact]
    public async Task Initial_state_overrides_the_preset_and_may_enable_encryption()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "private_chat",
            ["name"] = "From name",
            ["initial_state"] = new JsonArray(
                new JsonObject { ["type"] = "m.room.join_rules", ["state_key"] = "", ["content"] = new JsonObject { ["join_rule"] = "public" } },
                new JsonObject { ["type"] = "m.room.encryption", ["content"] = new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" } },
                new JsonObject { ["type"] = "m.room.name", ["content"] = new JsonObject { ["name"] = "From initial state" } }),
        });

        Assert.Equal("public", (await _server.StateContentAsync(alice, roomId, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());
        Assert.Equal("m.megolm.v1.aes-sha2", (await _server.StateContentAsync(alice, roomId, "m.room.encryption"))!["algorithm"]!.GetValue<string>());
        // name wins over initial_state.
        Assert.Equal("From name", (await _server.StateContentAsync(alice, roomId, "m.room.name"))!["name"]!.GetValue<string>());
        Assert.Single(await _server.EventOrderAsync(roomId), e => e.Type == "m.room.join_rules");
    }

    [Fact]
    public async Task Power_level_override_and_creation_content_apply()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["power_level_content_override"] = new JsonObject { ["events_default"] = 100 },
            ["creation_content"] = new JsonObject { ["type"] = "m.space", ["m.federate"] = false, ["room_version"] = "1" },
            ["topic"] = "plain",
        });

        Assert.Equal(100, (await _server.StateContentAsync(alice, roomId, "m.room.power_levels"))!["events_default"]!.GetValue<int>());
        var create = (await _server.StateContentAsync(alice, roomId, "m.room.create"))!;
        Assert.Equal("m.space", create["type"]!.GetValue<string>());
        Assert.False(create["m.federate"]!.GetValue<bool>());
        // The server decides the version, whatever creation_content says.
        Assert.Equal("12", create["room_version"]!.GetValue<string>());
        var topic = (await _server.StateContentAsync(alice, roomId, "m.room.topic"))!;
        Assert.Equal("plain", topic["m.topic"]!["m.text"]![0]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_room_alias_becomes_the_canonical_alias()
    {
        var alice = await _server.NewUserAsync("alice");
        var name = "pub" + Guid.NewGuid().ToString("N")[..8];
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["room_alias_name"] = name });
        var alias = $"#{name}:{_server.ServerName}";

        Assert.Equal(alias, (await _server.StateContentAsync(alice, roomId, "m.room.canonical_alias"))!["alias"]!.GetValue<string>());
        var resolved = (await _server.GetAsync(null, $"/directory/room/{RoomsClient.Path(alias)}")).Ok();
        Assert.Equal(roomId, resolved["room_id"]!.GetValue<string>());

        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["room_alias_name"] = name })).IsError(HttpStatusCode.BadRequest, "M_ROOM_IN_USE");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("has:colon")]
    public async Task A_malformed_alias_name_is_refused(string name)
    {
        var alice = await _server.NewUserAsync("alice");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["room_alias_name"] = name })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task A_refused_creation_writes_nothing_and_frees_the_alias()
    {
        var alice = await _server.NewUserAsync("alice");
        var name = "refused" + Guid.NewGuid().ToString("N")[..8];
        // Taking the creator's power in v11 makes the preset's join rules event fail the auth rules.
        var response = await _server.PostAsync(alice, "/createRoom", new JsonObject
        {
            ["room_version"] = "11",
            ["room_alias_name"] = name,
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [alice.UserId] = 0 } },
        });
        response.IsError(HttpStatusCode.BadRequest, "M_INVALID_ROOM_STATE");
        Assert.Empty((await _server.GetAsync(alice, "/joined_rooms")).Ok()["joined_rooms"]!.AsArray());
        (await _server.GetAsync(null, $"/directory/room/{RoomsClient.Path($"#{name}:{_server.ServerName}")}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        await _server.CreateRoomAsync(alice, new JsonObject { ["room_alias_name"] = name });
    }

    [Fact]
    public async Task Bad_requests_get_the_spec_errors()
    {
        var alice = await _server.NewUserAsync("alice");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["room_version"] = "99" })).IsError(HttpStatusCode.BadRequest, "M_UNSUPPORTED_ROOM_VERSION");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["preset"] = "party" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["visibility"] = "secret" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["invite"] = RoomsClient.Array("bob") })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["name"] = 5 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "x" }) }))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject
        {
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.create", ["content"] = new JsonObject() }),
        })).IsError(HttpStatusCode.BadRequest, "M_INVALID_ROOM_STATE");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject
        {
            ["room_version"] = "10",
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { ["@someone:localhost"] = 100 } },
        })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", accessToken: alice.AccessToken, rawBody: "{nope"))
            .IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.PostAsync(null, "/createRoom", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Remote_invites_are_refused_clearly_and_third_party_ones_checked_first()
    {
        var alice = await _server.NewUserAsync("alice");
        var threePid = new JsonObject { ["id_server"] = "id.example", ["medium"] = "email", ["address"] = "a@example.org" };
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["invite_3pid"] = new JsonArray(threePid.DeepClone()) })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["invite"] = RoomsClient.Array("@bob:elsewhere.example") }))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.Empty((await _server.GetAsync(alice, "/joined_rooms")).Ok()["joined_rooms"]!.AsArray());

        // An identity server that cannot be reached costs the invite, not the room (as a remote invite that fails).
        threePid["id_access_token"] = "t";
        var roomId = (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["invite_3pid"] = new JsonArray(threePid.DeepClone()) })).Ok()["room_id"]!.GetValue<string>();
        Assert.Equal("join", await _server.MembershipOfAsync(alice, roomId, alice.UserId));
    }
}

public sealed class EncryptByDefaultTests
{
    [Theory]
    [InlineData("Invite", "private_chat", true)]
    [InlineData("Invite", "trusted_private_chat", true)]
    [InlineData("Invite", "public_chat", false)]
    [InlineData("All", "public_chat", true)]
    [InlineData("Off", "private_chat", false)]
    public async Task The_setting_adds_megolm_to_the_rooms_it_names(string setting, string preset, bool encrypted)
    {
        await using var server = await TestHomeserver.StartAsync(s => s["Homeserver:Rooms:EncryptByDefault"] = setting);
        var alice = await server.NewUserAsync("alice");
        var roomId = await server.CreateRoomAsync(alice, new JsonObject { ["preset"] = preset });

        var encryption = await server.StateContentAsync(alice, roomId, "m.room.encryption");
        Assert.Equal(encrypted, encryption is not null);
        if (encrypted) Assert.Equal("m.megolm.v1.aes-sha2", encryption!["algorithm"]!.GetValue<string>());
    }
}

public sealed class DefaultRoomVersionTests
{
    [Fact]
    public async Task Rooms_created_without_a_version_get_the_configured_one_and_capabilities_say_so()
    {
        await using var server = await TestHomeserver.StartAsync(s => s["Homeserver:Rooms:DefaultRoomVersion"] = "10");
        var alice = await server.NewUserAsync("alice");
        var capabilities = (await server.GetAsync(alice, "/capabilities")).Ok()["capabilities"]!;
        Assert.Equal("10", capabilities["m.room_versions"]!["default"]!.GetValue<string>());

        var roomId = await server.CreateRoomAsync(alice, new JsonObject());
        var create = (await server.StateContentAsync(alice, roomId, "m.room.create"))!;
        Assert.Equal("10", create["room_version"]!.GetValue<string>());
        // Before version 11 the creator is named in the create event and the power levels.
        Assert.Equal(alice.UserId, create["creator"]!.GetValue<string>());
        var explicitVersion = await server.CreateRoomAsync(alice, new JsonObject { ["room_version"] = "12" });
        Assert.Equal("12", (await server.StateContentAsync(alice, explicitVersion, "m.room.create"))!["room_version"]!.GetValue<string>());
    }
}
