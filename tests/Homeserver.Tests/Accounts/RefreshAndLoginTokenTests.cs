using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>POST /refresh and POST /login/get_token with m.login.token.</summary>
public sealed class RefreshAndLoginTokenTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> Refresh(string refreshToken) =>
        _server.Http.PostJsonAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refreshToken });

    private Task<MatrixResponse> WhoAmI(string token) => _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", token);

    private async Task<(string Access, string Refresh)> RefreshableLogin(TestUser user)
    {
        var login = await _server.LoginWithRefreshTokenAsync(user);
        Assert.Equal(300_000, login["expires_in_ms"]!.GetValue<long>());
        return (login["access_token"]!.GetValue<string>(), login["refresh_token"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refresh_rotates_both_tokens_and_revokes_the_old_access_token()
    {
        var user = await _server.RegisterAsync("rotator");
        var (access, refresh) = await RefreshableLogin(user);
        var rotated = (await Refresh(refresh)).Ok();
        var newAccess = rotated["access_token"]!.GetValue<string>();
        var newRefresh = rotated["refresh_token"]!.GetValue<string>();

        Assert.NotEqual(refresh, newRefresh);
        Assert.Equal(300_000, rotated["expires_in_ms"]!.GetValue<long>());
        (await WhoAmI(access)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        Assert.Equal(user.UserId, (await WhoAmI(newAccess)).Ok()["user_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_old_refresh_token_works_until_the_new_pair_is_used()
    {
        var user = await _server.RegisterAsync("retrier");
        var (_, refresh) = await RefreshableLogin(user);
        var lost = (await Refresh(refresh)).Ok();
        // The client never saw that answer: it retries with the old token, which still works...
        var retried = (await Refresh(refresh)).Ok();
        // ...and the unconfirmed pair it replaced is gone.
        (await WhoAmI(lost["access_token"]!.GetValue<string>())).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await Refresh(lost["refresh_token"]!.GetValue<string>())).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");

        // Using the new access token confirms the exchange: the old refresh token stops working.
        (await WhoAmI(retried["access_token"]!.GetValue<string>())).Ok();
        var stale = await Refresh(refresh);
        stale.IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        Assert.False(stale.Object["soft_logout"]!.GetValue<bool>());
        (await Refresh(retried["refresh_token"]!.GetValue<string>())).Ok();
    }

    [Fact]
    public async Task Refreshing_with_the_new_refresh_token_also_retires_the_old_one()
    {
        var user = await _server.RegisterAsync("chain");
        var (_, first) = await RefreshableLogin(user);
        var second = (await Refresh(first)).Ok()["refresh_token"]!.GetValue<string>();
        (await Refresh(second)).Ok();
        (await Refresh(first)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Refresh_refuses_unknown_and_missing_tokens()
    {
        (await Refresh("mar_unknown")).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/refresh", new JsonObject())).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Logging_out_revokes_the_refresh_token()
    {
        var user = await _server.RegisterAsync("refreshleaver");
        var (access, refresh) = await RefreshableLogin(user);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout", null, access)).Ok();
        (await Refresh(refresh)).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Get_token_needs_the_password_then_logs_in_a_new_device_once()
    {
        var user = await _server.RegisterAsync("lender");
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", new JsonObject(), user.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        Assert.Equal("m.login.password", challenge.Object["flows"]![0]!["stages"]![0]!.GetValue<string>());

        var session = challenge.Object["session"]!.GetValue<string>();
        var issued = (await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token",
            new JsonObject { ["auth"] = user.PasswordAuth(session) }, user.AccessToken)).Ok();
        Assert.Equal(120_000, issued["expires_in_ms"]!.GetValue<long>());

        var tokenLogin = new JsonObject { ["type"] = "m.login.token", ["token"] = issued["login_token"]!.GetValue<string>() };
        var login = (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", tokenLogin)).Ok();
        Assert.Equal(user.UserId, login["user_id"]!.GetValue<string>());
        Assert.NotEqual(user.DeviceId, login["device_id"]!.GetValue<string>());
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", tokenLogin)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_completed_get_token_session_cannot_mint_a_second_token()
    {
        var user = await _server.RegisterAsync("reprompted");
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", new JsonObject(), user.AccessToken);
        var body = new JsonObject { ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        (await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", body, user.AccessToken)).Ok();
        (await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", body, user.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }

    [Fact]
    public async Task Token_login_refuses_unknown_and_missing_tokens()
    {
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject { ["type"] = "m.login.token", ["token"] = "mlt_nope" }))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject { ["type"] = "m.login.token" }))
            .IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Get_token_needs_an_access_token() =>
        (await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
}

/// <summary>Expiry: access tokens of refresh sessions and login tokens, on a server with lifetimes of a second.</summary>
public sealed class TokenExpiryTests(TokenExpiryTests.Fixture fixture) : IClassFixture<TokenExpiryTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:Auth:RefreshableAccessTokenLifetimeMs"] = "1000";
            settings["Homeserver:Auth:LoginTokenLifetimeMs"] = "1000";
        }
    }

    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task An_expired_access_token_is_a_soft_logout_and_refresh_recovers()
    {
        var user = await _server.RegisterAsync("expiring");
        var login = await _server.LoginWithRefreshTokenAsync(user);
        var access = login["access_token"]!.GetValue<string>();
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", access)).Ok();
        await Task.Delay(1200);

        var expired = await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", access);
        expired.IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
        Assert.True(expired.Object["soft_logout"]!.GetValue<bool>());

        var refreshed = (await _server.Http.PostJsonAsync("/_matrix/client/v3/refresh",
            new JsonObject { ["refresh_token"] = login["refresh_token"]!.GetValue<string>() })).Ok();
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/account/whoami", refreshed["access_token"]!.GetValue<string>())).Ok();
    }

    [Fact]
    public async Task Logout_works_with_an_expired_access_token()
    {
        var user = await _server.RegisterAsync("expiredleaver");
        var login = await _server.LoginWithRefreshTokenAsync(user);
        await Task.Delay(1200);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/logout", null, login["access_token"]!.GetValue<string>())).Ok();
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/refresh",
            new JsonObject { ["refresh_token"] = login["refresh_token"]!.GetValue<string>() })).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task An_expired_login_token_is_refused()
    {
        var user = await _server.RegisterAsync("latecomer");
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token", new JsonObject(), user.AccessToken);
        var issued = (await _server.Http.PostJsonAsync("/_matrix/client/v1/login/get_token",
            new JsonObject { ["auth"] = user.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) }, user.AccessToken)).Ok();
        await Task.Delay(1200);
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/login", new JsonObject { ["type"] = "m.login.token", ["token"] = issued["login_token"]!.GetValue<string>() }))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
