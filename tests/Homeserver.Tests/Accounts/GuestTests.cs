using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>kind=guest registration and what guests may do (Synapse's allow_guest lists).</summary>
public sealed class GuestTests(GuestTests.Fixture fixture) : IClassFixture<GuestTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:Registration:AllowGuests"] = "true";
    }

    private readonly TestHomeserver _server = fixture.Server;

    private async Task<(string UserId, string DeviceId, string Token)> RegisterGuest()
    {
        // Everything but the device name is ignored for guests, even fields of the wrong type.
        var body = new JsonObject { ["username"] = 12, ["device_id"] = "CHOSEN", ["initial_device_display_name"] = "Guest browser" };
        var guest = (await _server.Http.PostJsonAsync("/_matrix/client/v3/register?kind=guest", body)).Ok();
        return (guest["user_id"]!.GetValue<string>(), guest["device_id"]!.GetValue<string>(), guest["access_token"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_guest_gets_a_generated_id_and_device()
    {
        var (userId, deviceId, token) = await RegisterGuest();
        Assert.Matches("^@[0-9]+:localhost$", userId);
        Assert.NotEqual("CHOSEN", deviceId);
        var me = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token)).Ok();
        Assert.True(me["is_guest"]!.GetValue<bool>());
        var device = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/devices/{deviceId}", token)).Ok();
        Assert.Equal("Guest browser", device["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Guests_may_name_themselves_and_read_capabilities()
    {
        var (userId, _, token) = await RegisterGuest();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/profile/{userId}/displayname", new JsonObject { ["displayname"] = "Visitor" }, token)).Ok();
        var capabilities = (await _server.Http.GetJsonAsync("/_matrix/client/v3/capabilities", token)).Ok()["capabilities"]!;
        Assert.False(capabilities["m.change_password"]!["enabled"]!.GetValue<bool>());
        Assert.False(capabilities["m.get_login_token"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("""["displayname"]""", capabilities["m.profile_fields"]!["allowed"]!.ToJsonString());
    }

    [Fact]
    public async Task Guests_are_kept_out_of_account_features()
    {
        var (userId, deviceId, token) = await RegisterGuest();
        var forbidden = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Put, $"/_matrix/client/v3/profile/{userId}/avatar_url"),
            (HttpMethod.Put, $"/_matrix/client/v3/user/{userId}/account_data/org.example.x"),
            (HttpMethod.Get, $"/_matrix/client/v3/user/{userId}/rooms/!r:localhost/tags"),
            (HttpMethod.Post, $"/_matrix/client/v3/user/{userId}/filter"),
            (HttpMethod.Post, "/_matrix/client/v3/account/password"),
            (HttpMethod.Post, "/_matrix/client/v3/account/deactivate"),
            (HttpMethod.Delete, $"/_matrix/client/v3/devices/{deviceId}"),
            (HttpMethod.Post, "/_matrix/client/v3/delete_devices"),
            (HttpMethod.Post, "/_matrix/client/v1/login/get_token"),
        };
        foreach (var (method, path) in forbidden)
        {
            var body = method == HttpMethod.Get ? null : new JsonObject { ["avatar_url"] = "mxc://localhost/x" };
            (await _server.Http.SendAsync(method, path, body, token)).IsError(HttpStatusCode.Forbidden, "M_GUEST_ACCESS_FORBIDDEN");
        }
    }

    [Fact]
    public async Task A_guest_upgrades_to_a_full_account_under_its_own_name_only()
    {
        var (userId, _, guestToken) = await RegisterGuest();
        var (otherId, _, otherToken) = await RegisterGuest();
        var localpart = userId[1..userId.IndexOf(':', StringComparison.Ordinal)];
        JsonObject Upgrade(string token, string? username) => new()
        {
            ["username"] = username,
            ["password"] = "SIR_Arthur_David",
            ["guest_access_token"] = token,
            ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        };

        // Another guest's token, no username, or a token that is not a guest's: refused before anything changes.
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register", Upgrade(otherToken, localpart))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register", Upgrade(guestToken, null))).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        var full = await _server.RegisterAsync("notaguest");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register", Upgrade(full.AccessToken, "notaguest"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        var upgraded = (await _server.Http.PostJsonAsync("/_matrix/client/v3/register", Upgrade(guestToken, localpart))).Ok();
        Assert.Equal(userId, upgraded["user_id"]!.GetValue<string>());
        var me = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", upgraded["access_token"]!.GetValue<string>())).Ok();
        Assert.False(me["is_guest"]!.GetValue<bool>());
        // The guest's own token now speaks for a full account too (no cached guest validation left).
        Assert.False((await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", guestToken)).Ok()["is_guest"]!.GetValue<bool>());
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = localpart },
            ["password"] = "SIR_Arthur_David",
        })).Ok();
        // Upgraded once: the token no longer names a guest.
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register", Upgrade(guestToken, localpart))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.True((await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", otherToken)).Ok()["is_guest"]!.GetValue<bool>());
        Assert.NotEqual(userId, otherId);
    }

    [Fact]
    public async Task Guests_read_the_event_stream_of_one_room_only()
    {
        var (_, _, token) = await RegisterGuest();
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/events?timeout=0", token)).IsError(HttpStatusCode.Forbidden, "M_GUEST_ACCESS_FORBIDDEN");
        var alice = await _server.RegisterAsync("streamer" + Guid.NewGuid().ToString("N")[..6]);
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = RoomsClient.InitialState("m.room.history_visibility", "history_visibility", "world_readable"),
        });
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/events?timeout=0&room_id={Uri.EscapeDataString(roomId)}", token)).Ok();
    }

    [Fact]
    public async Task Guests_leave_a_room_whose_guest_access_is_revoked()
    {
        var alice = await _server.RegisterAsync("host" + Guid.NewGuid().ToString("N")[..6]);
        var (userId, deviceId, token) = await RegisterGuest();
        var guest = new TestUser(userId, deviceId, token);
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = RoomsClient.InitialState("m.room.guest_access", "guest_access", "can_join"),
        });
        (await _server.JoinRoomAsync(guest, roomId)).Ok();
        // Another state change keeps them in.
        await _server.SetStateAsync(alice, roomId, "m.room.topic", "", new JsonObject { ["topic"] = "still open" });
        await _server.SetStateAsync(alice, roomId, "m.room.guest_access", "", new JsonObject { ["guest_access"] = "can_join" });
        Assert.Equal("join", await _server.MembershipOfAsync(alice, roomId, userId));

        await _server.SetStateAsync(alice, roomId, "m.room.guest_access", "", new JsonObject { ["guest_access"] = "forbidden" });
        Assert.True(await Eventually.HoldsAsync(async () => await _server.MembershipOfAsync(alice, roomId, userId) == "leave"));
        // Their own leave: the sender is the guest.
        var member = (await _server.Http.GetJsonAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/m.room.member/{Uri.EscapeDataString(userId)}?format=event", alice.AccessToken)).Ok();
        Assert.Equal(userId, member["sender"]!.GetValue<string>());
        Assert.Equal("join", await _server.MembershipOfAsync(alice, roomId, alice.UserId));
    }
}

/// <summary>GET /capabilities for a regular user.</summary>
public sealed class CapabilitiesTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    [Fact]
    public async Task The_capabilities_describe_this_server()
    {
        var user = await fixture.Server.RegisterAsync("capable");
        var capabilities = (await fixture.Server.Http.GetJsonAsync("/_matrix/client/v3/capabilities", user.AccessToken)).Ok()["capabilities"]!;
        Assert.True(capabilities["m.change_password"]!["enabled"]!.GetValue<bool>());
        Assert.True(capabilities["m.set_displayname"]!["enabled"]!.GetValue<bool>());
        Assert.True(capabilities["m.set_avatar_url"]!["enabled"]!.GetValue<bool>());
        Assert.True(capabilities["m.profile_fields"]!["enabled"]!.GetValue<bool>());
        Assert.False(capabilities["m.3pid_changes"]!["enabled"]!.GetValue<bool>());
        Assert.True(capabilities["m.get_login_token"]!["enabled"]!.GetValue<bool>());
        var versions = capabilities["m.room_versions"]!;
        Assert.Equal("12", versions["default"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), versions["available"]!.AsObject().Select(v => v.Key));
        Assert.All(versions["available"]!.AsObject(), v => Assert.Equal("stable", v.Value!.GetValue<string>()));
    }

    [Fact]
    public async Task Capabilities_need_a_token() =>
        (await fixture.Server.Http.GetJsonAsync("/_matrix/client/v3/capabilities")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
}
