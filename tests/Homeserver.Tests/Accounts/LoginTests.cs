using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

using Matrix.Homeserver.Accounts;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>GET/POST /login, whoami, logout and logout/all.</summary>
public sealed class LoginTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> Login(JsonObject body) => _server.Http.PostJsonAsync("/_matrix/client/v3/login", body);

    private static JsonObject PasswordLogin(string user, string password = TestUsers.DefaultPassword) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
        ["password"] = password,
    };

    private Task<MatrixResponse> WhoAmI(string token) => _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token);

    [Fact]
    public async Task The_flows_offer_password_and_token_login()
    {
        var flows = (await _server.Http.GetJsonAsync("/_matrix/client/v3/login")).Ok()["flows"]!.AsArray();
        Assert.Contains(flows, f => f!["type"]!.GetValue<string>() == "m.login.password");
        Assert.Contains(flows, f => f!["type"]!.GetValue<string>() == "m.login.token" && f["get_login_token"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("@loginform:localhost")]
    [InlineData("loginform")]
    [InlineData("LoginForm")]
    public async Task A_user_logs_in_by_user_id_or_localpart(string identifier)
    {
        await EnsureRegistered("loginform");
        var login = (await Login(PasswordLogin(identifier))).Ok();
        Assert.Equal("@loginform:localhost", login["user_id"]!.GetValue<string>());
        Assert.Equal("localhost", login["home_server"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(login["well_known"]!["m.homeserver"]!["base_url"]!.GetValue<string>()));
        Assert.Null(login["refresh_token"]);
        Assert.Null(login["expires_in_ms"]);
        var me = (await WhoAmI(login["access_token"]!.GetValue<string>())).Ok();
        Assert.Equal(login["device_id"]!.GetValue<string>(), me["device_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_deprecated_user_field_still_works()
    {
        var user = await _server.RegisterAsync("legacyfield");
        var body = new JsonObject { ["type"] = "m.login.password", ["user"] = "legacyfield", ["password"] = user.Password };
        Assert.Equal(user.UserId, (await Login(body)).Ok()["user_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_get_the_same_refusal()
    {
        await _server.RegisterAsync("guarded");
        (await Login(PasswordLogin("guarded", "not the password"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Login(PasswordLogin("nobody-here"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Login(PasswordLogin("@guarded:elsewhere.example"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Third_party_identifiers_are_unknown()
    {
        var body = new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.thirdparty", ["medium"] = "email", ["address"] = "a@example.org" },
            ["password"] = "whatever",
        };
        (await Login(body)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Bad_requests_are_refused()
    {
        (await Login(new JsonObject { ["type"] = "m.login.magic" })).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await Login(new JsonObject { ["identifier"] = new JsonObject() })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await Login(new JsonObject { ["type"] = "m.login.password", ["user"] = "x" })).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await Login(new JsonObject { ["type"] = "m.login.password", ["identifier"] = "x", ["password"] = "y" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await Login(new JsonObject { ["type"] = 7 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.SendAsync(HttpMethod.Post, "/_matrix/client/v3/login", rawBody: "[]")).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Fact]
    public async Task Logging_in_with_a_known_device_id_reuses_it_and_revokes_its_old_token()
    {
        var user = await _server.RegisterAsync("reuser");
        var body = PasswordLogin("reuser");
        body["device_id"] = user.DeviceId;
        body["initial_device_display_name"] = "ignored for a known device";
        var login = (await Login(body)).Ok();

        Assert.Equal(user.DeviceId, login["device_id"]!.GetValue<string>());
        (await WhoAmI(user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await WhoAmI(login["access_token"]!.GetValue<string>())).Ok();
        var devices = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices", login["access_token"]!.GetValue<string>())).Ok()["devices"]!.AsArray();
        Assert.Single(devices);
    }

    [Fact]
    public async Task A_new_device_gets_the_initial_display_name()
    {
        await EnsureRegistered("namer");
        var body = PasswordLogin("namer");
        body["initial_device_display_name"] = "Laptop";
        var login = (await Login(body)).Ok();
        var device = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/devices/{login["device_id"]}", login["access_token"]!.GetValue<string>())).Ok();
        Assert.Equal("Laptop", device["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Whoami_needs_a_valid_token()
    {
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami")).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        var unknown = await WhoAmI("mat_not_a_token");
        unknown.IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        Assert.False(unknown.Object["soft_logout"]!.GetValue<bool>());
        var user = await _server.RegisterAsync("querystring");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/account/whoami?access_token={user.AccessToken}")).Ok();
    }

    [Fact]
    public async Task Logout_ends_the_session_and_deletes_the_device()
    {
        var user = await _server.RegisterAsync("leaver");
        var other = await _server.LoginAsync(user);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout", null, user.AccessToken)).Ok();

        (await WhoAmI(user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        var devices = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices", other.AccessToken)).Ok()["devices"]!.AsArray();
        Assert.Equal([other.DeviceId], devices.Select(d => d!["device_id"]!.GetValue<string>()));
        Assert.Contains(fixture.Publisher.OfType<DeviceDeleted>(), d => d.UserId == user.UserId && d.DeviceId == user.DeviceId);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout", null)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Logout_all_ends_every_session()
    {
        var user = await _server.RegisterAsync("everywhere");
        var second = await _server.LoginAsync(user);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout/all", null, second.AccessToken)).Ok();

        (await WhoAmI(user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await WhoAmI(second.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        var again = await _server.LoginAsync(user);
        var devices = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices", again.AccessToken)).Ok()["devices"]!.AsArray();
        Assert.Single(devices);
    }

    private async Task EnsureRegistered(string localpart)
    {
        var available = await _server.Http.GetJsonAsync($"/_matrix/client/v3/register/available?username={localpart}");
        if (available.Status == HttpStatusCode.OK) await _server.RegisterAsync(localpart);
    }
}
