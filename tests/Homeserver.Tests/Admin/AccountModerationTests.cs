using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using static Matrix.Homeserver.Tests.Admin.AdminTestClient;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>
/// Account locking and suspension over HTTP (spec v1.18 admin endpoints, Synapse's suspend and v2 users API): who may
/// apply them, to whom, and what a locked or suspended account can still do.
/// </summary>
public sealed class AccountModerationTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;
    private HttpClient Http => fixture.Server.Http;

    private static string Lock(string userId) => $"/_matrix/client/v1/admin/lock/{Escape(userId)}";
    private static string Suspend(string userId) => $"/_matrix/client/v1/admin/suspend/{Escape(userId)}";

    [Fact]
    public async Task Only_admins_moderate_and_only_local_active_non_admin_accounts()
    {
        var admin = await Server.CreateUserAsync("modadmin1", admin: true);
        var otherAdmin = await Server.CreateUserAsync("modadmin2", admin: true);
        var user = await Server.RegisterAsync("modplain1");

        // Authorization comes before any lookup: a normal user learns nothing, not even that the account does not exist.
        (await Http.GetJsonAsync(Lock("@nobody:localhost"), user.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.PutJsonAsync(Suspend(user.UserId), new JsonObject { ["suspended"] = true }, user.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.GetJsonAsync(Lock(user.UserId))).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");

        (await Http.GetJsonAsync(Lock("@someone:elsewhere.example"), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.GetJsonAsync(Lock("not-a-user-id"), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.GetJsonAsync(Suspend("@nobody:localhost"), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.PutJsonAsync(Lock(otherAdmin.UserId), new JsonObject { ["locked"] = true }, admin.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Http.PutJsonAsync(Lock(user.UserId), new JsonObject(), admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");
        (await Http.PutJsonAsync(Lock(user.UserId), new JsonObject { ["locked"] = "yes" }, admin.AccessToken)).IsBadRequest("M_BAD_JSON");

        var gone = await Server.RegisterAsync("modgone1");
        (await Http.PostJsonAsync($"/_synapse/admin/v1/deactivate/{Escape(gone.UserId)}", new JsonObject(), admin.AccessToken)).Ok();
        (await Http.GetJsonAsync(Lock(gone.UserId), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        Assert.False((await Http.GetJsonAsync(Lock(user.UserId), admin.AccessToken)).Ok()["locked"]!.GetValue<bool>());
        Assert.False((await Http.GetJsonAsync(Suspend(user.UserId), admin.AccessToken)).Ok()["suspended"]!.GetValue<bool>());

        // The capability is advertised to admins only.
        var adminCaps = (await Http.GetJsonAsync("/_matrix/client/v3/capabilities", admin.AccessToken)).Ok()["capabilities"]!;
        Assert.True(adminCaps["m.account_moderation"]!["lock"]!.GetValue<bool>());
        Assert.True(adminCaps["m.account_moderation"]!["suspend"]!.GetValue<bool>());
        var userCaps = (await Http.GetJsonAsync("/_matrix/client/v3/capabilities", user.AccessToken)).Ok()["capabilities"]!.AsObject();
        Assert.False(userCaps.ContainsKey("m.account_moderation"));
    }

    [Fact]
    public async Task A_locked_account_can_only_log_out_until_unlocked()
    {
        var admin = await Server.CreateUserAsync("modadmin3", admin: true);
        var user = await Server.RegisterAsync("modlocked");
        var second = await Server.LoginAsync(user);
        var refreshing = await Server.LoginWithRefreshTokenAsync(user);
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).Ok();

        var locked = (await Http.PutJsonAsync(Lock(user.UserId), new JsonObject { ["locked"] = true }, admin.AccessToken)).Ok();
        Assert.True(locked["locked"]!.GetValue<bool>());
        Assert.True((await Http.GetJsonAsync(Lock(user.UserId), admin.AccessToken)).Ok()["locked"]!.GetValue<bool>());

        // At once, although the token's validation was cached by the request before.
        foreach (var path in new[] { "/_matrix/client/v3/account/whoami", "/_matrix/client/v3/sync?timeout=0", "/_matrix/client/v3/joined_rooms" })
        {
            var refused = await Http.GetJsonAsync(path, user.AccessToken);
            refused.IsError(HttpStatusCode.Unauthorized, "M_USER_LOCKED");
            Assert.True(refused.Object["soft_logout"]!.GetValue<bool>());
        }

        var login = await Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        });
        login.IsError(HttpStatusCode.Unauthorized, "M_USER_LOCKED");
        var refresh = await Http.PostJsonAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refreshing["refresh_token"]!.GetValue<string>() });
        refresh.IsError(HttpStatusCode.Unauthorized, "M_USER_LOCKED");

        // Logging out still works, and the tokens of the other sessions are kept (not invalidated by the lock).
        (await Http.PostJsonAsync("/_matrix/client/v3/logout", new JsonObject(), second.AccessToken)).Ok();

        (await Http.PutJsonAsync(Lock(user.UserId), new JsonObject { ["locked"] = false }, admin.AccessToken)).Ok();
        Assert.Equal(user.UserId, (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).Ok()["user_id"]!.GetValue<string>());
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", second.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        await Server.LoginAsync(user);
    }

    [Fact]
    public async Task A_suspended_account_reads_and_leaves_but_does_not_join_send_or_change_its_profile()
    {
        var admin = await Server.CreateUserAsync("modadmin4", admin: true);
        var owner = await Server.RegisterAsync("modowner");
        var user = await Server.RegisterAsync("modsuspended");
        var room = await Server.CreateRoomAsync(owner);
        var other = await Server.CreateRoomAsync(owner);
        var third = await Server.CreateRoomAsync(owner);
        await Server.JoinAsync(room, user);
        await Server.JoinAsync(third, user);
        var own = await Server.SendMessageAsync(room, user, "before the suspension");
        var owners = await Server.SendMessageAsync(room, owner, "the owner's");

        (await Http.PutJsonAsync(Suspend(user.UserId), new JsonObject { ["suspended"] = true }, admin.AccessToken)).Ok();

        void Suspended(MatrixResponse response) => response.IsError(HttpStatusCode.Forbidden, "M_USER_SUSPENDED");
        var token = user.AccessToken;
        Suspended(await Http.PostJsonAsync($"/_matrix/client/v3/join/{Escape(other)}", new JsonObject(), token));
        Suspended(await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(other)}/join", new JsonObject(), token));
        Suspended(await Http.PostJsonAsync($"/_matrix/client/v3/knock/{Escape(other)}", new JsonObject(), token));
        Suspended(await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/invite", new JsonObject { ["user_id"] = admin.UserId }, token));
        Suspended(await Http.PostJsonAsync("/_matrix/client/v3/createRoom", new JsonObject(), token));
        Suspended(await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/upgrade", new JsonObject { ["new_version"] = "11" }, token));
        Suspended(await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/send/m.room.message/s1", new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" }, token));
        Suspended(await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/state/m.room.topic", new JsonObject { ["topic"] = "x" }, token));
        Suspended(await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/redact/{Escape(owners)}/r1", new JsonObject(), token));
        Suspended(await Http.PutJsonAsync($"/_matrix/client/v3/profile/{Escape(user.UserId)}/displayname", new JsonObject { ["displayname"] = "x" }, token));
        Suspended(await Http.DeleteJsonAsync($"/_matrix/client/v3/profile/{Escape(user.UserId)}/avatar_url", token));

        // What stays: reading, redacting its own events, leaving (both ways), account data.
        (await Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", token)).Ok();
        var messages = (await Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/messages?dir=b", token)).Ok();
        Assert.Contains(messages["chunk"]!.AsArray(), e => e!["event_id"]!.GetValue<string>() == own);
        (await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/redact/{Escape(own)}/r2", new JsonObject(), token)).Ok();
        (await Http.PutJsonAsync($"/_matrix/client/v3/user/{Escape(user.UserId)}/account_data/org.example.x", new JsonObject { ["a"] = 1 }, token)).Ok();
        (await Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Escape(room)}/leave", new JsonObject(), token)).Ok();
        (await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(third)}/state/m.room.member/{Escape(user.UserId)}",
            new JsonObject { ["membership"] = "leave" }, token)).Ok();

        // The admin API shows it, and lifting it restores everything.
        var details = (await Http.GetJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}", admin.AccessToken)).Ok();
        Assert.True(details["suspended"]!.GetValue<bool>());
        Assert.False(details["locked"]!.GetValue<bool>());
        (await Http.PutJsonAsync(Suspend(user.UserId), new JsonObject { ["suspended"] = false }, admin.AccessToken)).Ok();
        (await Http.PostJsonAsync($"/_matrix/client/v3/join/{Escape(other)}", new JsonObject(), token)).Ok();
        (await Http.PutJsonAsync($"/_matrix/client/v3/rooms/{Escape(other)}/send/m.room.message/s2", new JsonObject { ["msgtype"] = "m.text", ["body"] = "back" }, token)).Ok();
    }

    [Fact]
    public async Task Synapse_admin_api_suspends_and_locks()
    {
        var admin = await Server.CreateUserAsync("modadmin5", admin: true);
        var user = await Server.RegisterAsync("modsynapse");

        var suspended = (await Http.PutJsonAsync($"/_synapse/admin/v1/suspend/{Escape(user.UserId)}", new JsonObject { ["suspend"] = true }, admin.AccessToken)).Ok();
        Assert.True(suspended[$"user_{user.UserId}_suspended"]!.GetValue<bool>());
        (await Http.PostJsonAsync("/_matrix/client/v3/createRoom", new JsonObject(), user.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_USER_SUSPENDED");
        (await Http.PutJsonAsync($"/_synapse/admin/v1/suspend/{Escape(user.UserId)}", new JsonObject(), admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");
        (await Http.PutJsonAsync($"/_synapse/admin/v1/suspend/{Escape(user.UserId)}", new JsonObject { ["suspend"] = false }, user.AccessToken))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        var locked = (await Http.PutJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}", new JsonObject { ["locked"] = true }, admin.AccessToken)).Ok();
        Assert.True(locked["locked"]!.GetValue<bool>());
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_USER_LOCKED");
        var list = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40modsynapse", admin.AccessToken)).Ok();
        Assert.True(list["users"]![0]!["locked"]!.GetValue<bool>());
        Assert.True(list["users"]![0]!["suspended"]!.GetValue<bool>());
        (await Http.PutJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}", new JsonObject { ["locked"] = false }, admin.AccessToken)).Ok();
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).Ok();
    }
}
