using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>POST /account/password and POST /account/deactivate, both behind m.login.password.</summary>
public sealed class AccountManagementTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private const string NewPassword = "a brand new passphrase";
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> ChangePassword(TestUser user, JsonObject body) =>
        _server.Http.PostJsonAsync("/_matrix/client/v3/account/password", body, user.AccessToken);

    private Task<MatrixResponse> WhoAmI(string token) => _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token);

    private Task<MatrixResponse> Login(string user, string password) => _server.Http.PostJsonAsync("/_matrix/client/v3/login",
        new JsonObject { ["type"] = "m.login.password", ["user"] = user, ["password"] = password });

    [Fact]
    public async Task Changing_the_password_asks_for_the_old_one_and_logs_out_other_devices()
    {
        var user = await _server.RegisterAsync("changer");
        var other = await _server.LoginAsync(user);
        var body = new JsonObject { ["new_password"] = NewPassword };

        var challenge = await ChangePassword(user, body);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        var session = challenge.Object["session"]!.GetValue<string>();

        body["auth"] = user.PasswordAuth(session, "wrong password");
        var wrong = await ChangePassword(user, body);
        wrong.IsError(HttpStatusCode.Unauthorized, "M_FORBIDDEN");
        Assert.Equal(session, wrong.Object["session"]!.GetValue<string>());

        body["auth"] = user.PasswordAuth(session);
        (await ChangePassword(user, body)).Ok();

        (await WhoAmI(user.AccessToken)).Ok();
        (await WhoAmI(other.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Login(user.UserId, user.Password)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await Login(user.UserId, NewPassword)).Ok();
    }

    [Fact]
    public async Task Other_devices_can_be_kept()
    {
        var user = await _server.RegisterAsync("keeper");
        var other = await _server.LoginAsync(user);
        var body = new JsonObject { ["new_password"] = NewPassword, ["logout_devices"] = false };
        var session = (await ChangePassword(user, body)).Object["session"]!.GetValue<string>();
        body["auth"] = user.PasswordAuth(session);
        (await ChangePassword(user, body)).Ok();
        (await WhoAmI(other.AccessToken)).Ok();
    }

    [Fact]
    public async Task The_new_password_must_be_given_and_strong()
    {
        var user = await _server.RegisterAsync("weakchanger");
        (await ChangePassword(user, new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await ChangePassword(user, new JsonObject { ["new_password"] = "short" })).IsError(HttpStatusCode.BadRequest, "M_WEAK_PASSWORD");
        (await ChangePassword(user, new JsonObject { ["new_password"] = 12345678 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/password", new JsonObject { ["new_password"] = NewPassword }))
            .IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task The_password_stage_must_name_the_caller()
    {
        var mallory = await _server.RegisterAsync("mallory");
        var victim = await _server.RegisterAsync("victim");
        var body = new JsonObject { ["new_password"] = NewPassword };
        var session = (await ChangePassword(victim, body)).Object["session"]!.GetValue<string>();
        // A stolen token plus the thief's own password does not pass.
        body["auth"] = mallory.PasswordAuth(session);
        (await ChangePassword(victim, body)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_session_of_one_user_cannot_be_continued_by_another()
    {
        var first = await _server.RegisterAsync("sessionowner");
        var second = await _server.RegisterAsync("sessionthief");
        var body = new JsonObject { ["new_password"] = NewPassword };
        var session = (await ChangePassword(first, body)).Object["session"]!.GetValue<string>();
        body["auth"] = second.PasswordAuth(session);
        (await ChangePassword(second, body)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Deactivation_closes_the_account()
    {
        var user = await _server.RegisterAsync("departing");
        var other = await _server.LoginAsync(user);
        await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{user.UserId}/account_data/org.example.x", new JsonObject { ["a"] = 1 }, user.AccessToken);

        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), user.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        var body = new JsonObject { ["erase"] = true, ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        var done = (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", body, user.AccessToken)).Ok();

        Assert.Equal("success", done["id_server_unbind_result"]!.GetValue<string>());
        (await WhoAmI(user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await WhoAmI(other.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Login(user.UserId, user.Password)).IsError(HttpStatusCode.Forbidden, "M_USER_DEACTIVATED");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/profile/{user.UserId}")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/register/available?username={user.Localpart}")).IsError(HttpStatusCode.BadRequest, "M_USER_IN_USE");
        Assert.Contains(fixture.Publisher.OfType<UserDeactivated>(), d => d.UserId == user.UserId && d.Erase);
        Assert.Contains(fixture.Publisher.OfType<DeviceDeleted>(), d => d.UserId == user.UserId && d.DeviceId == other.DeviceId);
    }

    [Fact]
    public async Task Deactivation_needs_the_right_password()
    {
        var user = await _server.RegisterAsync("stayer");
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), user.AccessToken);
        var body = new JsonObject { ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>(), "guess") };
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", body, user.AccessToken)).IsError(HttpStatusCode.Unauthorized, "M_FORBIDDEN");
        (await WhoAmI(user.AccessToken)).Ok();
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject { ["erase"] = "yes" }, user.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }
}
