using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using static Matrix.Homeserver.Tests.Admin.AdminTestClient;

namespace Matrix.Homeserver.Tests.Admin;

/// <summary>The user admin API over HTTP: listing, querying, creating and changing accounts, sessions and rooms of a user.</summary>
public sealed class UserAdminTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;
    private HttpClient Http => fixture.Server.Http;

    private Task<TestUser> AdminAsync() => Server.CreateUserAsync("useradmin", admin: true, deviceId: "ADMINDEV");

    [Fact]
    public async Task List_filters_orders_and_pages()
    {
        var admin = await AdminAsync();
        foreach (var name in new[] { "pgc", "pga", "pgb" }) await Server.RegisterAsync(name);
        var guestish = await Server.CreateUserAsync("pgguest");
        await Server.SetUserFlagsAsync(guestish.UserId, guest: true);
        var gone = await Server.CreateUserAsync("pggone");
        (await Http.PostJsonAsync($"/_synapse/admin/v1/deactivate/{Escape(gone.UserId)}", new JsonObject(), admin.AccessToken)).Ok();

        var first = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40pg&limit=2", admin.AccessToken)).Ok();
        Assert.Equal(4, first["total"]!.GetValue<int>());
        Assert.Equal(["@pga:localhost", "@pgb:localhost"], Names(first));
        Assert.Equal("2", first["next_token"]!.GetValue<string>());
        var second = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40pg&limit=2&from=2", admin.AccessToken)).Ok();
        Assert.Equal(["@pgc:localhost", "@pgguest:localhost"], Names(second));
        Assert.Null(second["next_token"]);

        var entry = first["users"]![0]!.AsObject();
        Assert.Equal("pga", entry["displayname"]!.GetValue<string>());
        Assert.False(entry["admin"]!.GetValue<bool>());
        Assert.False(entry["deactivated"]!.GetValue<bool>());
        Assert.True(entry["creation_ts"]!.GetValue<long>() > 0);
        Assert.True(entry.ContainsKey("last_seen_ts") && entry.ContainsKey("user_type") && entry.ContainsKey("avatar_url"));

        var noGuests = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40pg&guests=false", admin.AccessToken)).Ok();
        Assert.DoesNotContain("@pgguest:localhost", Names(noGuests));
        var withDeactivated = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40pg&deactivated=true&order_by=name&dir=b", admin.AccessToken)).Ok();
        Assert.Equal(["@pgguest:localhost", "@pggone:localhost", "@pgc:localhost", "@pgb:localhost", "@pga:localhost"], Names(withDeactivated));
        var byName = (await Http.GetJsonAsync("/_synapse/admin/v2/users?name=PGB", admin.AccessToken)).Ok();
        Assert.Equal(["@pgb:localhost"], Names(byName));
        var byCreation = (await Http.GetJsonAsync("/_synapse/admin/v2/users?user_id=%40pg&order_by=creation_ts&guests=false", admin.AccessToken)).Ok();
        Assert.Equal(["@pgc:localhost", "@pga:localhost", "@pgb:localhost"], Names(byCreation));
    }

    [Theory]
    [InlineData("order_by=nonsense")]
    [InlineData("dir=up")]
    [InlineData("from=-1")]
    [InlineData("limit=ten")]
    [InlineData("guests=maybe")]
    public async Task List_refuses_bad_parameters(string query)
    {
        var admin = await AdminAsync();
        (await Http.GetJsonAsync($"/_synapse/admin/v2/users?{query}", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
    }

    [Fact]
    public async Task Query_answers_the_account_or_404_or_400()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("queried");
        var details = (await Http.GetJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}", admin.AccessToken)).Ok();
        Assert.Equal(user.UserId, details["name"]!.GetValue<string>());
        Assert.Empty(details["threepids"]!.AsArray());
        Assert.False(details["is_guest"]!.GetValue<bool>());

        (await Http.GetJsonAsync("/_synapse/admin/v2/users/%40nobody%3Alocalhost", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.GetJsonAsync("/_synapse/admin/v2/users/%40someone%3Aelsewhere.org", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.GetJsonAsync("/_synapse/admin/v2/users/not-a-user", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
    }

    [Fact]
    public async Task Put_creates_then_modifies_an_account()
    {
        var admin = await AdminAsync();
        var created = await Http.PutJsonAsync("/_synapse/admin/v2/users/%40made%3Alocalhost",
            Body(("password", "first password"), ("displayname", "Made"), ("admin", false)), admin.AccessToken);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("Made", created.Object["displayname"]!.GetValue<string>());
        var made = new TestUser("@made:localhost", "", "", "first password");
        var session = await Server.LoginAsync(made);

        var changed = (await Http.PutJsonAsync("/_synapse/admin/v2/users/%40made%3Alocalhost",
            Body(("displayname", "Renamed"), ("admin", true), ("password", "second password")), admin.AccessToken)).Ok();
        Assert.Equal("Renamed", changed["displayname"]!.GetValue<string>());
        Assert.True(changed["admin"]!.GetValue<bool>());
        var profile = (await Http.GetJsonAsync("/_matrix/client/v3/profile/%40made%3Alocalhost/displayname")).Ok();
        Assert.Equal("Renamed", profile["displayname"]!.GetValue<string>());
        // A new password logs out the devices unless logout_devices is false.
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", session.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        await Server.LoginAsync(made with { Password = "second password" });
    }

    [Fact]
    public async Task Put_deactivates_and_reactivates_only_with_a_password()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("toggled");
        var path = $"/_synapse/admin/v2/users/{Escape(user.UserId)}";
        Assert.True((await Http.PutJsonAsync(path, Body(("deactivated", true)), admin.AccessToken)).Ok()["deactivated"]!.GetValue<bool>());
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Http.PutJsonAsync(path, Body(("deactivated", false)), admin.AccessToken)).IsBadRequest("M_UNKNOWN");
        Assert.False((await Http.PutJsonAsync(path, Body(("deactivated", false), ("password", "back again")), admin.AccessToken)).Ok()["deactivated"]!.GetValue<bool>());
        await Server.LoginAsync(user with { Password = "back again" });
    }

    [Fact]
    public async Task Put_refuses_bad_fields()
    {
        var admin = await AdminAsync();
        var path = "/_synapse/admin/v2/users/%40badput%3Alocalhost";
        (await Http.PutJsonAsync(path, Body(("admin", "yes")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
        (await Http.PutJsonAsync(path, Body(("password", new string('x', 513))), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.PutJsonAsync(path, Body(("user_type", "wizard")), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        var threepid = new JsonArray(new JsonObject { ["medium"] = "email", ["address"] = "a@example.org" });
        (await Http.PutJsonAsync(path, Body(("threepids", threepid)), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.PutJsonAsync("/_synapse/admin/v2/users/%40BadCase%3Alocalhost", new JsonObject(), admin.AccessToken)).IsBadRequest("M_INVALID_USERNAME");
        (await Http.PutJsonAsync("/_synapse/admin/v2/users/%40x%3Aelsewhere.org", new JsonObject(), admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.SendAsync(HttpMethod.Put, path, accessToken: admin.AccessToken, rawBody: "not json")).IsBadRequest("M_NOT_JSON");
        (await Http.PutJsonAsync($"/_synapse/admin/v2/users/{Escape(admin.UserId)}", Body(("admin", false)), admin.AccessToken)).IsBadRequest("M_UNKNOWN");
        (await Http.GetJsonAsync(path, admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Deactivate_logs_out_and_leaves_rooms()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("leaver");
        var roomId = await Server.CreateRoomAsync(admin);
        await Server.JoinAsync(roomId, user);

        var answer = (await Http.PostJsonAsync($"/_synapse/admin/v1/deactivate/{Escape(user.UserId)}", Body(("erase", false)), admin.AccessToken)).Ok();
        Assert.Equal("success", answer["id_server_unbind_result"]!.GetValue<string>());
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        var members = (await Http.GetJsonAsync($"/_synapse/admin/v1/rooms/{Escape(roomId)}/members", admin.AccessToken)).Ok();
        Assert.DoesNotContain(user.UserId, members["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.True((await Http.GetJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}", admin.AccessToken)).Ok()["deactivated"]!.GetValue<bool>());

        (await Http.PostJsonAsync("/_synapse/admin/v1/deactivate/%40ghost%3Alocalhost", new JsonObject(), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.PostJsonAsync($"/_synapse/admin/v1/deactivate/{Escape(user.UserId)}", Body(("erase", "yes")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
    }

    [Fact]
    public async Task Reset_password_replaces_it_and_logs_out()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("forgetful");
        var path = $"/_synapse/admin/v1/reset_password/{Escape(user.UserId)}";
        (await Http.PostJsonAsync(path, Body(("new_password", "a new one")), admin.AccessToken)).Ok();
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        var again = await Server.LoginAsync(user with { Password = "a new one" });

        (await Http.PostJsonAsync(path, Body(("new_password", "third"), ("logout_devices", false)), admin.AccessToken)).Ok();
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", again.AccessToken)).Ok();
        (await Http.PostJsonAsync(path, new JsonObject(), admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");
        (await Http.PostJsonAsync("/_synapse/admin/v1/reset_password/%40ghost%3Alocalhost", Body(("new_password", "x")), admin.AccessToken))
            .IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Whois_and_devices_list_get_and_delete()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("gadgets", deviceId: "PHONE");
        var laptop = await Server.LoginAsync(user, deviceId: "LAPTOP");

        var whois = (await Http.GetJsonAsync($"/_synapse/admin/v1/whois/{Escape(user.UserId)}", admin.AccessToken)).Ok();
        Assert.Equal(user.UserId, whois["user_id"]!.GetValue<string>());
        Assert.Equal(["LAPTOP", "PHONE"], whois["devices"]!.AsObject().Select(d => d.Key).Order(StringComparer.Ordinal));
        (await Http.GetJsonAsync("/_synapse/admin/v1/whois/%40ghost%3Alocalhost", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var devicesPath = $"/_synapse/admin/v2/users/{Escape(user.UserId)}/devices";
        var devices = (await Http.GetJsonAsync(devicesPath, admin.AccessToken)).Ok();
        Assert.Equal(2, devices["total"]!.GetValue<int>());
        Assert.Equal(user.UserId, devices["devices"]![0]!["user_id"]!.GetValue<string>());
        Assert.Equal("PHONE", (await Http.GetJsonAsync($"{devicesPath}/PHONE", admin.AccessToken)).Ok()["device_id"]!.GetValue<string>());
        (await Http.GetJsonAsync($"{devicesPath}/NOPE", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        (await Http.DeleteJsonAsync($"{devicesPath}/LAPTOP", admin.AccessToken)).Ok();
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", laptop.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Http.PostJsonAsync($"/_synapse/admin/v2/users/{Escape(user.UserId)}/delete_devices", Body(("devices", new JsonArray("PHONE"))), admin.AccessToken)).Ok();
        Assert.Equal(0, (await Http.GetJsonAsync(devicesPath, admin.AccessToken)).Ok()["total"]!.GetValue<int>());
        (await Http.GetJsonAsync("/_synapse/admin/v2/users/%40ghost%3Alocalhost/devices", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Login_as_a_user_gives_their_token_but_not_for_oneself()
    {
        var admin = await AdminAsync();
        var user = await Server.RegisterAsync("puppet");
        var path = $"/_synapse/admin/v1/users/{Escape(user.UserId)}/login";
        var token = (await Http.PostJsonAsync(path, new JsonObject(), admin.AccessToken)).Ok()["access_token"]!.GetValue<string>();
        Assert.Equal(user.UserId, (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token)).Ok()["user_id"]!.GetValue<string>());

        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        var expired = (await Http.PostJsonAsync(path, Body(("valid_until_ms", past)), admin.AccessToken)).Ok()["access_token"]!.GetValue<string>();
        (await Http.GetJsonAsync("/_matrix/client/v3/account/whoami", expired)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");

        (await Http.PostJsonAsync($"/_synapse/admin/v1/users/{Escape(admin.UserId)}/login", new JsonObject(), admin.AccessToken)).IsBadRequest("M_UNKNOWN");
        (await Http.PostJsonAsync("/_synapse/admin/v1/users/%40ghost%3Alocalhost/login", new JsonObject(), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await Http.PostJsonAsync(path, Body(("valid_until_ms", "soon")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
    }

    [Fact]
    public async Task Joined_rooms_and_the_admin_flag()
    {
        var admin = await AdminAsync();
        var user = await Server.CreateUserAsync("flagged");
        var roomId = await Server.CreateRoomAsync(user);
        var rooms = (await Http.GetJsonAsync($"/_synapse/admin/v1/users/{Escape(user.UserId)}/joined_rooms", admin.AccessToken)).Ok();
        Assert.Equal([roomId], rooms["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(1, rooms["total"]!.GetValue<int>());
        (await Http.GetJsonAsync("/_synapse/admin/v1/users/%40ghost%3Alocalhost/joined_rooms", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var flag = $"/_synapse/admin/v1/users/{Escape(user.UserId)}/admin";
        Assert.False((await Http.GetJsonAsync(flag, admin.AccessToken)).Ok()["admin"]!.GetValue<bool>());
        (await Http.PutJsonAsync(flag, Body(("admin", true)), admin.AccessToken)).Ok();
        Assert.True((await Http.GetJsonAsync(flag, admin.AccessToken)).Ok()["admin"]!.GetValue<bool>());
        (await Http.GetJsonAsync("/_synapse/admin/v1/server_version", user.AccessToken)).Ok();
        (await Http.PutJsonAsync(flag, new JsonObject(), admin.AccessToken)).IsBadRequest("M_MISSING_PARAM");
        (await Http.PutJsonAsync(flag, Body(("admin", "no")), admin.AccessToken)).IsBadRequest("M_BAD_JSON");
        (await Http.PutJsonAsync($"/_synapse/admin/v1/users/{Escape(admin.UserId)}/admin", Body(("admin", false)), admin.AccessToken)).IsBadRequest("M_UNKNOWN");
        (await Http.GetJsonAsync("/_synapse/admin/v1/users/%40x%3Aelsewhere.org/admin", admin.AccessToken)).IsBadRequest("M_INVALID_PARAM");
        (await Http.GetJsonAsync("/_synapse/admin/v1/users/%40ghost%3Alocalhost/admin", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    private static List<string> Names(JsonObject page) => [.. page["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>())];
}
