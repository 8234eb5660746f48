using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>One server with two application services (no URL: nothing is pushed), shared by the auth tests.</summary>
public sealed class AppServiceAuthFixture : IAsyncLifetime
{
    public TestRegistration Irc { get; } = new("irc", "_irc_bot", "@_irc_.*") { AliasesRegex = "#_irc_.*" };
    public TestRegistration Slack { get; } = new("slack", "slackbot", "@_slack_.*") { UsersExclusive = false };
    public TestHomeserver Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AppServiceRig.StartAsync(s =>
    {
        // Limits on, and small, so that an exempt AS shows.
        s["Homeserver:RateLimits:Enabled"] = "true";
        s["Homeserver:RateLimits:Send:PerSecond"] = "0.1";
        s["Homeserver:RateLimits:Send:Burst"] = "3";
    }, Irc, Slack);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The as_token on the client API (identity assertion, device masquerading), AS registration and login, namespaces.</summary>
public sealed class AppServiceAuthTests(AppServiceAuthFixture fixture) : IClassFixture<AppServiceAuthFixture>
{
    private readonly TestHomeserver _server = fixture.Server;
    private readonly TestRegistration _irc = fixture.Irc;

    private Task<MatrixResponse> RegisterAsAsync(TestRegistration appService, string username, bool inhibitLogin = true, string? token = "default") =>
        _server.Http.PostJsonAsync("/_matrix/client/v3/register",
            new JsonObject { ["type"] = "m.login.application_service", ["username"] = username, ["inhibit_login"] = inhibitLogin },
            token == "default" ? appService.AsToken : token);

    [Fact]
    public async Task The_as_token_acts_as_the_sender_user_which_exists_from_start()
    {
        var whoami = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", _irc.AsToken)).Ok();
        Assert.Equal("@_irc_bot:localhost", whoami["user_id"]!.GetValue<string>());
        Assert.False(whoami.ContainsKey("device_id"));
        // The query-string form of the token works too.
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/account/whoami?access_token={_irc.AsToken}")).Ok();
        // The sender user is a real account: others see its profile.
        var alice = await _server.NewUserAsync("alice");
        (await _server.GetAsync(alice, "/profile/" + RoomsClient.Path("@_irc_bot:localhost"))).Ok();
    }

    [Fact]
    public async Task Identity_assertion_needs_a_registered_user_of_the_namespace()
    {
        var whoami = "/_matrix/client/v3/account/whoami";
        (await _server.Http.GetJsonAsync(_irc.As(whoami, "@_irc_nobody:localhost"), _irc.AsToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        var outsider = await _server.NewUserAsync("outsider");
        (await _server.Http.GetJsonAsync(_irc.As(whoami, outsider.UserId), _irc.AsToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        var registered = (await RegisterAsAsync(_irc, "_irc_carol")).Ok();
        Assert.Equal("@_irc_carol:localhost", registered["user_id"]!.GetValue<string>());
        Assert.False(registered.ContainsKey("access_token"));
        var asCarol = (await _server.Http.GetJsonAsync(_irc.As(whoami, "@_irc_carol:localhost"), _irc.AsToken)).Ok();
        Assert.Equal("@_irc_carol:localhost", asCarol["user_id"]!.GetValue<string>());
        // The other AS's token may not act for this AS's users.
        (await _server.Http.GetJsonAsync(fixture.Slack.As(whoami, "@_irc_carol:localhost"), fixture.Slack.AsToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Device_masquerading_needs_a_device_of_the_user()
    {
        var registered = (await RegisterAsAsync(_irc, "_irc_dave", inhibitLogin: false)).Ok();
        var deviceId = registered["device_id"]!.GetValue<string>();
        Assert.NotNull(registered["access_token"]);

        var path = _irc.As("/_matrix/client/v3/account/whoami", "@_irc_dave:localhost");
        var whoami = (await _server.Http.GetJsonAsync($"{path}&device_id={deviceId}", _irc.AsToken)).Ok();
        Assert.Equal(deviceId, whoami["device_id"]!.GetValue<string>());
        (await _server.Http.GetJsonAsync($"{path}&device_id=NOPE", _irc.AsToken)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN_DEVICE");
    }

    [Fact]
    public async Task AS_registration_is_limited_to_the_namespace()
    {
        (await RegisterAsAsync(_irc, "mallory")).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        (await RegisterAsAsync(_irc, "_slack_x")).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        (await RegisterAsAsync(_irc, "_irc_nt", token: null)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await RegisterAsAsync(_irc, "_irc_nt", token: "not-a-token")).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await RegisterAsAsync(_irc, "_irc_twice")).Ok();
        (await RegisterAsAsync(_irc, "_irc_twice")).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
        // A non-exclusive namespace lets its AS register, and anyone else too.
        (await RegisterAsAsync(fixture.Slack, "_slack_y")).Ok();
    }

    [Fact]
    public async Task Users_cannot_take_names_in_an_exclusive_namespace()
    {
        // Synapse's rules put a leading underscore first; a namespace without one shows the exclusivity check.
        var body = new JsonObject { ["username"] = "_irc_eve", ["password"] = TestUsers.DefaultPassword, ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        var refused = await _server.Http.PostJsonAsync("/_matrix/client/v3/register", body);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);

        await using var server = await AppServiceRig.StartAsync(new TestRegistration("bridge", "bridgebot", "@bridged-.*"));
        body["username"] = "bridged-eve";
        (await server.Http.PostJsonAsync("/_matrix/client/v3/register", body)).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        (await server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=bridged-eve")).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        (await server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=bridgedeve")).Ok();
    }

    [Fact]
    public async Task AS_login_is_advertised_and_limited_to_the_namespace()
    {
        var flows = (await _server.Http.GetJsonAsync("/_matrix/client/v3/login")).Ok()["flows"]!.AsArray();
        Assert.Contains(flows, f => f!["type"]!.GetValue<string>() == "m.login.application_service");

        (await RegisterAsAsync(_irc, "_irc_frank")).Ok();
        var login = new JsonObject { ["type"] = "m.login.application_service", ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "_irc_frank" } };
        var session = (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", login, _irc.AsToken)).Ok();
        Assert.Equal("@_irc_frank:localhost", session["user_id"]!.GetValue<string>());
        var whoami = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", session["access_token"]!.GetValue<string>())).Ok();
        Assert.Equal(session["device_id"]!.GetValue<string>(), whoami["device_id"]!.GetValue<string>());

        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", login, fixture.Slack.AsToken)).IsError(HttpStatusCode.Forbidden, "M_EXCLUSIVE");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", login)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Aliases_in_an_exclusive_namespace_belong_to_the_AS()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject());
        var reserved = "/directory/room/" + RoomsClient.Path("#_irc_chan" + Guid.NewGuid().ToString("N")[..6] + ":localhost");
        (await _server.PutAsync(alice, reserved, new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        (await _server.PostAsync(alice, "/createRoom", new JsonObject { ["room_alias_name"] = "_irc_made" })).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
        // The AS needs no membership to manage the aliases of its namespace, and only those.
        (await _server.PutAsync(_irc.Sender, reserved, new JsonObject { ["room_id"] = roomId })).Ok();
        (await _server.PutAsync(_irc.Sender, "/directory/room/" + RoomsClient.Path("#plain" + Guid.NewGuid().ToString("N")[..6] + ":localhost"),
            new JsonObject { ["room_id"] = roomId })).IsError(HttpStatusCode.BadRequest, "M_EXCLUSIVE");
    }

    [Fact]
    public async Task An_AS_that_is_not_rate_limited_is_not_limited()
    {
        // Reports are limited per user under the Send policy (burst 3 on this server).
        var roomId = await _server.CreateRoomAsync(_irc.Sender, new JsonObject());
        for (var i = 0; i < 8; i++)
        {
            (await _server.PostAsync(_irc.Sender, $"/rooms/{RoomsClient.Path(roomId)}/report", new JsonObject { ["reason"] = "test" })).Ok();
        }

        var alice = await _server.NewUserAsync("limited");
        var aliceRoom = await _server.CreateRoomAsync(alice, new JsonObject());
        MatrixResponse? last = null;
        for (var i = 0; i < 8 && last?.Status != HttpStatusCode.TooManyRequests; i++)
        {
            last = await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(aliceRoom)}/report", new JsonObject { ["reason"] = "test" });
        }

        last!.IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
    }
}
