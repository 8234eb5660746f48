using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>POST /register and GET /register/available on a server with open registration.</summary>
public sealed class RegistrationTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> Register(JsonObject body) => _server.Http.PostJsonAsync("/_matrix/client/v3/register", body);

    private static JsonObject Body(string username, string password = TestUsers.DefaultPassword) => new() { ["username"] = username, ["password"] = password };

    [Fact]
    public async Task Without_auth_the_answer_is_the_auth_challenge()
    {
        var challenge = await Register(Body("challenged"));

        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        var flows = challenge.Object["flows"]!.AsArray().Select(f => string.Join(",", f!["stages"]!.AsArray().Select(s => s!.GetValue<string>()))).ToList();
        Assert.Equal(["m.login.dummy", "m.login.registration_token"], flows);
        Assert.False(string.IsNullOrEmpty(challenge.Object["session"]!.GetValue<string>()));
        Assert.IsType<JsonObject>(challenge.Object["params"]);
        Assert.Null(challenge.Object["errcode"]);
    }

    [Fact]
    public async Task The_dummy_stage_registers_and_logs_in()
    {
        var alice = await _server.RegisterAsync("alice");

        Assert.Equal("@alice:localhost", alice.UserId);
        var me = (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", alice.AccessToken)).Ok();
        Assert.Equal(alice.UserId, me["user_id"]!.GetValue<string>());
        Assert.Equal(alice.DeviceId, me["device_id"]!.GetValue<string>());
        Assert.False(me["is_guest"]!.GetValue<bool>());
        // Synapse starts the display name as the localpart.
        var profile = (await _server.Http.GetJsonAsync("/_matrix/client/v3/profile/@alice:localhost")).Ok();
        Assert.Equal("alice", profile["displayname"]!.GetValue<string>());
    }

    [Fact]
    public async Task Auth_without_a_session_completes_in_one_request()
    {
        var body = Body("onestep");
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy" };
        var registered = (await Register(body)).Ok();
        Assert.Equal("@onestep:localhost", registered["user_id"]!.GetValue<string>());
        Assert.Equal("localhost", registered["home_server"]!.GetValue<string>());
    }

    [Fact]
    public async Task Usernames_are_lowercased()
    {
        var user = await _server.RegisterAsync("MixedCase");
        Assert.Equal("@mixedcase:localhost", user.UserId);
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("café")]
    [InlineData("_reserved")]
    [InlineData("12345")]
    [InlineData("")]
    public async Task Invalid_usernames_are_refused_before_auth(string username) =>
        (await Register(Body(username))).IsError(HttpStatusCode.BadRequest, "M_INVALID_USERNAME");

    [Fact]
    public async Task A_user_id_over_255_bytes_is_refused() =>
        (await Register(Body(new string('a', 250)))).IsError(HttpStatusCode.BadRequest, "M_INVALID_USERNAME");

    [Fact]
    public async Task A_taken_username_is_refused_before_auth()
    {
        await _server.RegisterAsync("taken");
        (await Register(Body("taken"))).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
        (await Register(Body("TAKEN"))).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
    }

    [Fact]
    public async Task A_short_password_is_weak() =>
        (await Register(Body("weakling", "short"))).IsError(HttpStatusCode.BadRequest, "M_WEAK_PASSWORD");

    [Fact]
    public async Task A_password_over_512_characters_is_refused() =>
        (await Register(Body("verbose", new string('p', 513)))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

    [Fact]
    public async Task The_password_is_required_once_auth_is_done()
    {
        var body = new JsonObject { ["username"] = "nopassword", ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        (await Register(body)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Without_a_username_an_id_is_generated()
    {
        var body = new JsonObject { ["password"] = TestUsers.DefaultPassword, ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        var userId = (await Register(body)).Ok()["user_id"]!.GetValue<string>();
        Assert.Matches("^@[0-9]+:localhost$", userId);
    }

    [Fact]
    public async Task Inhibit_login_creates_no_session()
    {
        var body = Body("inhibited");
        body["inhibit_login"] = true;
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy" };
        var registered = (await Register(body)).Ok();
        Assert.Equal("@inhibited:localhost", registered["user_id"]!.GetValue<string>());
        Assert.Null(registered["access_token"]);
        Assert.Null(registered["device_id"]);
    }

    [Fact]
    public async Task The_device_id_and_name_are_taken_from_the_request()
    {
        var body = Body("named");
        body["device_id"] = "MYPHONE";
        body["initial_device_display_name"] = "Phone";
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy" };
        var registered = (await Register(body)).Ok();
        Assert.Equal("MYPHONE", registered["device_id"]!.GetValue<string>());
        var device = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices/MYPHONE", registered["access_token"]!.GetValue<string>())).Ok();
        Assert.Equal("Phone", device["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refresh_token_asks_for_an_expiring_session()
    {
        var body = Body("refreshing");
        body["refresh_token"] = true;
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy" };
        var registered = (await Register(body)).Ok();
        Assert.StartsWith("mar_", registered["refresh_token"]!.GetValue<string>());
        Assert.Equal(300_000, registered["expires_in_ms"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_session_remembers_what_its_first_request_gave()
    {
        // As Synapse: the later request of the session may carry the auth dict alone (the password is kept hashed).
        var first = Body("remembered");
        first["device_id"] = "XYZZY";
        first["initial_device_display_name"] = "display_name";
        var session = (await Register(first)).Object["session"]!.GetValue<string>();

        var registered = (await Register(new JsonObject { ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session } })).Ok();
        Assert.Equal("@remembered:localhost", registered["user_id"]!.GetValue<string>());
        Assert.Equal("XYZZY", registered["device_id"]!.GetValue<string>());
        var device = (await _server.Http.GetJsonAsync("/_matrix/client/v3/devices/XYZZY", registered["access_token"]!.GetValue<string>())).Ok();
        Assert.Equal("display_name", device["display_name"]!.GetValue<string>());
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "remembered" },
            ["password"] = TestUsers.DefaultPassword,
        })).Ok();
    }

    [Fact]
    public async Task A_retried_registration_logs_in_to_the_account_it_made()
    {
        // The answer to a registration may be lost: the client's retry with the same session gets the account, not M_USER_IN_USE.
        var body = new JsonObject { ["password"] = TestUsers.DefaultPassword };
        var session = (await Register(body)).Object["session"]!.GetValue<string>();
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session };
        var registered = (await Register(body)).Ok();
        var again = (await Register(body)).Ok();

        Assert.Equal(registered["user_id"]!.GetValue<string>(), again["user_id"]!.GetValue<string>());
        Assert.NotEqual(registered["access_token"]!.GetValue<string>(), again["access_token"]!.GetValue<string>());
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", again["access_token"]!.GetValue<string>())).Ok();
        // Another username in the retry does not make a second account either: the session's account is the answer.
        body["username"] = "someoneelse";
        Assert.Equal(registered["user_id"]!.GetValue<string>(), (await Register(body)).Ok()["user_id"]!.GetValue<string>());
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=someoneelse")).Ok();
    }

    [Fact]
    public async Task An_unknown_session_is_refused()
    {
        var body = Body("lost");
        body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = "no-such-session" };
        (await Register(body)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Fact]
    public async Task A_stage_no_flow_offers_fails_the_attempt()
    {
        var body = Body("wrongstage");
        body["auth"] = new JsonObject { ["type"] = "m.login.password" };
        var answer = await Register(body);
        answer.IsError(HttpStatusCode.Unauthorized, "M_UNRECOGNIZED");
        Assert.NotNull(answer.Object["flows"]);
    }

    [Fact]
    public async Task Malformed_bodies_are_refused()
    {
        (await _server.Http.SendAsync(HttpMethod.Post, "/_matrix/client/v3/register", rawBody: "{not json")).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await Register(new JsonObject { ["username"] = 5 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await Register(new JsonObject { ["username"] = "x", ["auth"] = "dummy" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Fact]
    public async Task Guest_registration_is_off_by_default() =>
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register?kind=guest", new JsonObject())).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

    [Fact]
    public async Task An_unknown_kind_is_refused() =>
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register?kind=robot", Body("robot"))).IsError(HttpStatusCode.BadRequest, "M_UNRECOGNIZED");

    [Fact]
    public async Task Availability_reports_free_taken_and_invalid_names()
    {
        await _server.RegisterAsync("occupied");
        var free = (await _server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=vacant")).Ok();
        Assert.True(free["available"]!.GetValue<bool>());
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=occupied")).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/register/available?username=no%20spaces")).IsError(HttpStatusCode.BadRequest, "M_INVALID_USERNAME");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/register/available")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }
}
