using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>Token-only registration, the validity endpoint, and Synapse's admin API for registration tokens.</summary>
public sealed class RegistrationTokenTests(RegistrationTokenTests.Fixture fixture) : IClassFixture<RegistrationTokenTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:Registration:Mode"] = "Token";
            settings["Homeserver:Registration:SharedSecret"] = "s3cret";
        }
    }

    private const string Admin = "/_synapse/admin/v1/registration_tokens";
    private readonly TestHomeserver _server = fixture.Server;
    private TestUser? _admin;

    /// <summary>An admin, created through shared-secret registration (open registration is off here).</summary>
    private async Task<TestUser> AdminAsync()
    {
        if (_admin is not null) return _admin;
        var nonce = (await _server.Http.GetJsonAsync("/_synapse/admin/v1/register")).Ok()["nonce"]!.GetValue<string>();
        var name = "admin" + Guid.NewGuid().ToString("N")[..8];
        var mac = SharedSecretRegistrationTests.Mac("s3cret", nonce, name, TestUsers.DefaultPassword, admin: true);
        var registered = (await _server.Http.PostJsonAsync("/_synapse/admin/v1/register", new JsonObject
        {
            ["nonce"] = nonce, ["username"] = name, ["password"] = TestUsers.DefaultPassword, ["admin"] = true, ["mac"] = mac,
        })).Ok();
        return _admin = new TestUser(registered["user_id"]!.GetValue<string>(), registered["device_id"]!.GetValue<string>(),
            registered["access_token"]!.GetValue<string>(), TestUsers.DefaultPassword);
    }

    private async Task<JsonObject> CreateToken(JsonObject body) =>
        (await _server.Http.PostJsonAsync($"{Admin}/new", body, (await AdminAsync()).AccessToken)).Ok();

    private Task<MatrixResponse> Register(JsonObject body) => _server.Http.PostJsonAsync("/_matrix/client/v3/register", body);

    private async Task<MatrixResponse> RegisterWithToken(string username, string token)
    {
        var body = new JsonObject { ["username"] = username, ["password"] = TestUsers.DefaultPassword };
        var session = (await Register(body)).Object["session"]!.GetValue<string>();
        body["auth"] = new JsonObject { ["type"] = "m.login.registration_token", ["token"] = token, ["session"] = session };
        return await Register(body);
    }

    private async Task<JsonObject> TokenState(string token) =>
        (await _server.Http.GetJsonAsync($"{Admin}/{token}", (await AdminAsync()).AccessToken)).Ok();

    [Fact]
    public async Task Token_mode_offers_only_the_token_flow()
    {
        var challenge = await Register(new JsonObject { ["username"] = "flowcheck", ["password"] = TestUsers.DefaultPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        Assert.Equal("""[{"stages":["m.login.registration_token"]}]""", challenge.Object["flows"]!.ToJsonString());
        var dummy = new JsonObject { ["username"] = "dummyuser", ["password"] = TestUsers.DefaultPassword, ["auth"] = new JsonObject { ["type"] = "m.login.dummy" } };
        (await Register(dummy)).IsError(HttpStatusCode.Unauthorized, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task A_token_registers_and_counts_its_use()
    {
        var token = (await CreateToken(new JsonObject { ["token"] = "welcome-1", ["uses_allowed"] = 2 }))["token"]!.GetValue<string>();
        Assert.True((await _server.Http.GetJsonAsync($"/_matrix/client/v1/register/m.login.registration_token/validity?token={token}")).Ok()["valid"]!.GetValue<bool>());

        Assert.Equal("@newcomer:localhost", (await RegisterWithToken("newcomer", token)).Ok()["user_id"]!.GetValue<string>());
        var state = await TokenState(token);
        Assert.Equal(1, state["completed"]!.GetValue<int>());
        Assert.Equal(0, state["pending"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_limited_token_cannot_be_overspent_by_parallel_sessions()
    {
        await CreateToken(new JsonObject { ["token"] = "single-use", ["uses_allowed"] = 1 });
        // The first session passes the token stage but has not sent its password yet: the use is held for it.
        var first = new JsonObject { ["username"] = "firstcome" };
        var session = (await Register(first)).Object["session"]!.GetValue<string>();
        first["auth"] = new JsonObject { ["type"] = "m.login.registration_token", ["token"] = "single-use", ["session"] = session };
        (await Register(first)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");

        (await RegisterWithToken("secondcome", "single-use")).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        Assert.False((await _server.Http.GetJsonAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=single-use")).Ok()["valid"]!.GetValue<bool>());

        // The holder completes with the same session.
        first["password"] = TestUsers.DefaultPassword;
        (await Register(first)).Ok();
        var state = await TokenState("single-use");
        Assert.Equal(1, state["completed"]!.GetValue<int>());
        Assert.Equal(0, state["pending"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_pending_use_is_given_back_when_its_session_expires()
    {
        await CreateToken(new JsonObject { ["token"] = "abandoned", ["uses_allowed"] = 1 });
        var body = new JsonObject { ["username"] = "abandoner" };
        var session = (await Register(body)).Object["session"]!.GetValue<string>();
        body["auth"] = new JsonObject { ["type"] = "m.login.registration_token", ["token"] = "abandoned", ["session"] = session };
        // No password: the stage completes (reserving the use) but registration stops at M_MISSING_PARAM.
        (await Register(body)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        Assert.Equal(1, (await TokenState("abandoned"))["pending"]!.GetValue<int>());

        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync())
        {
            await db.UiaSessions.Where(s => s.SessionId == session).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresTs, 0));
        }

        await _server.Services.GetServices<IHostedService>().OfType<AccountsCleanup>().Single().RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, (await TokenState("abandoned"))["pending"]!.GetValue<int>());
        (await RegisterWithToken("taker", "abandoned")).Ok();
    }

    [Fact]
    public async Task Invalid_and_expired_tokens_are_refused()
    {
        (await RegisterWithToken("nobodyknows", "no-such-token")).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        var soon = DateTimeOffset.UtcNow.AddMilliseconds(300).ToUnixTimeMilliseconds();
        await CreateToken(new JsonObject { ["token"] = "short-lived", ["expiry_time"] = soon });
        await Task.Delay(400);
        (await RegisterWithToken("toolate", "short-lived")).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
        (await _server.Http.GetJsonAsync("/_matrix/client/v1/register/m.login.registration_token/validity")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Admins_create_list_update_and_delete_tokens()
    {
        var admin = await AdminAsync();
        var generated = await CreateToken(new JsonObject { ["length"] = 24 });
        Assert.Equal(24, generated["token"]!.GetValue<string>().Length);
        Assert.Null(generated["uses_allowed"]);
        Assert.Null(generated["expiry_time"]);
        var defaultLength = await CreateToken(new JsonObject());
        Assert.Equal(16, defaultLength["token"]!.GetValue<string>().Length);

        var name = generated["token"]!.GetValue<string>();
        var updated = (await _server.Http.PutJsonAsync($"{Admin}/{name}", new JsonObject { ["uses_allowed"] = 0 }, admin.AccessToken)).Ok();
        Assert.Equal(0, updated["uses_allowed"]!.GetValue<int>());
        var invalid = (await _server.Http.GetJsonAsync($"{Admin}?valid=false", admin.AccessToken)).Ok()["registration_tokens"]!.AsArray();
        Assert.Contains(invalid, t => t!["token"]!.GetValue<string>() == name);
        var valid = (await _server.Http.GetJsonAsync($"{Admin}?valid=true", admin.AccessToken)).Ok()["registration_tokens"]!.AsArray();
        Assert.DoesNotContain(valid, t => t!["token"]!.GetValue<string>() == name);
        var cleared = (await _server.Http.PutJsonAsync($"{Admin}/{name}", new JsonObject { ["uses_allowed"] = null }, admin.AccessToken)).Ok();
        Assert.Null(cleared["uses_allowed"]);

        (await _server.Http.DeleteJsonAsync($"{Admin}/{name}", admin.AccessToken)).Ok();
        (await _server.Http.GetJsonAsync($"{Admin}/{name}", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.DeleteJsonAsync($"{Admin}/{name}", admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PutJsonAsync($"{Admin}/{name}", new JsonObject(), admin.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"token": "has space"}""")]
    [InlineData("""{"token": "duplicate-me"}""")]
    [InlineData("""{"length": 0}""")]
    [InlineData("""{"length": 65}""")]
    [InlineData("""{"uses_allowed": -1}""")]
    [InlineData("""{"uses_allowed": "many"}""")]
    [InlineData("""{"expiry_time": 1000}""")]
    public async Task Bad_token_requests_are_invalid_params(string body)
    {
        var admin = await AdminAsync();
        await _server.Http.SendAsync(HttpMethod.Post, $"{Admin}/new", accessToken: admin.AccessToken, rawBody: """{"token": "duplicate-me"}""");
        (await _server.Http.SendAsync(HttpMethod.Post, $"{Admin}/new", accessToken: admin.AccessToken, rawBody: body)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Only_admins_manage_tokens()
    {
        var token = (await CreateToken(new JsonObject()))["token"]!.GetValue<string>();
        var user = (await RegisterWithToken("ordinary", token)).Ok();
        var userToken = user["access_token"]!.GetValue<string>();
        (await _server.Http.GetJsonAsync(Admin, userToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync($"{Admin}/new", new JsonObject(), userToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.GetJsonAsync(Admin)).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}

/// <summary>Closed registration: nobody registers through the client API.</summary>
public sealed class ClosedRegistrationTests(ClosedRegistrationTests.Fixture fixture) : IClassFixture<ClosedRegistrationTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:Registration:Mode"] = "Closed";
    }

    [Fact]
    public async Task Registration_availability_and_token_validity_are_forbidden()
    {
        var http = fixture.Server.Http;
        (await http.PostJsonAsync("/_matrix/client/v3/register", new JsonObject { ["username"] = "x", ["password"] = TestUsers.DefaultPassword }))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await http.GetJsonAsync("/_matrix/client/v3/register/available?username=x")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await http.GetJsonAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=x")).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Shared_secret_registration_is_off_without_a_secret()
    {
        (await fixture.Server.Http.GetJsonAsync("/_synapse/admin/v1/register")).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await fixture.Server.Http.PostJsonAsync("/_synapse/admin/v1/register", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }
}
