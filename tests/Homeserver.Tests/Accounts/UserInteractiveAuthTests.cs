using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>The UIA service itself, with a two-stage flow no endpoint uses: order, memory of stages, binding, expiry.</summary>
public sealed class UserInteractiveAuthTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private static readonly UiaFlow[] TwoStages = [new(UiaStageTypes.Dummy, UiaStageTypes.RegistrationToken)];
    private readonly TestHomeserver _server = fixture.Server;

    private static UiaRequest Request(JsonObject? auth, string path = "/test/operation") => new("POST", path, auth, null, "127.0.0.1");

    private async Task<T> InScope<T>(Func<UserInteractiveAuth, HomeserverDbContext, Task<T>> action)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserInteractiveAuth>(), scope.ServiceProvider.GetRequiredService<HomeserverDbContext>());
    }

    private Task<UiaRequiredException> Challenge(JsonObject? auth, string path = "/test/operation", string? intent = null) =>
        InScope((uia, _) => Assert.ThrowsAsync<UiaRequiredException>(() => uia.CheckAsync(Request(auth, path), TwoStages, "test", intent, CancellationToken.None)));

    private async Task AddToken(string token)
    {
        await InScope(async (_, db) =>
        {
            db.Set<RegistrationToken>().Add(new RegistrationToken { Token = token });
            return await db.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task Stages_are_remembered_until_a_flow_is_complete()
    {
        await AddToken("uia-two-stage");
        var session = (await Challenge(null)).SessionId;

        var afterDummy = (await Challenge(new JsonObject { ["type"] = UiaStageTypes.Dummy, ["session"] = session })).ToJson();
        Assert.Equal("""["m.login.dummy"]""", afterDummy["completed"]!.ToJsonString());
        Assert.Null(afterDummy["errcode"]);

        var auth = new JsonObject { ["type"] = UiaStageTypes.RegistrationToken, ["token"] = "uia-two-stage", ["session"] = session };
        var result = await InScope((uia, _) => uia.CheckAsync(Request(auth), TwoStages, "test", null, CancellationToken.None));
        Assert.Equal(session, result.SessionId);
        Assert.Equal("uia-two-stage", result.RegistrationToken);
        Assert.True(result.Completed.ContainsKey(UiaStageTypes.Dummy));
    }

    [Fact]
    public async Task A_stage_out_of_order_fails_and_keeps_the_session()
    {
        var session = (await Challenge(null)).SessionId;
        var failed = (await Challenge(new JsonObject { ["type"] = UiaStageTypes.RegistrationToken, ["token"] = "x", ["session"] = session })).ToJson();
        Assert.Equal("M_UNRECOGNIZED", failed["errcode"]!.GetValue<string>());
        Assert.Equal(session, failed["session"]!.GetValue<string>());
        Assert.Equal("[]", failed["completed"]!.ToJsonString());
    }

    [Fact]
    public async Task A_failed_stage_reports_its_error_with_the_flows()
    {
        var session = (await Challenge(null)).SessionId;
        await Challenge(new JsonObject { ["type"] = UiaStageTypes.Dummy, ["session"] = session });
        var failed = (await Challenge(new JsonObject { ["type"] = UiaStageTypes.RegistrationToken, ["token"] = "not-a-token", ["session"] = session })).ToJson();
        Assert.Equal("M_UNAUTHORIZED", failed["errcode"]!.GetValue<string>());
        Assert.Equal("""["m.login.dummy"]""", failed["completed"]!.ToJsonString());
        Assert.Equal("""[{"stages":["m.login.dummy","m.login.registration_token"]}]""", failed["flows"]!.ToJsonString());
        var missing = (await Challenge(new JsonObject { ["type"] = UiaStageTypes.RegistrationToken, ["session"] = session })).ToJson();
        Assert.Equal("M_MISSING_PARAM", missing["errcode"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_session_serves_only_its_own_operation()
    {
        var session = (await Challenge(null, intent: "devices A")).SessionId;
        var dummy = new JsonObject { ["type"] = UiaStageTypes.Dummy, ["session"] = session };
        var otherPath = await InScope((uia, _) => Assert.ThrowsAsync<MatrixException>(() => uia.CheckAsync(Request(dummy, "/other"), TwoStages, "test", "devices A", CancellationToken.None)));
        Assert.Equal(403, otherPath.StatusCode);
        var otherIntent = await InScope((uia, _) => Assert.ThrowsAsync<MatrixException>(() => uia.CheckAsync(Request(dummy), TwoStages, "test", "devices B", CancellationToken.None)));
        Assert.Equal(403, otherIntent.StatusCode);
        await Challenge(dummy, intent: "devices A");
    }

    [Fact]
    public async Task Expired_sessions_are_unknown_and_cleaned_up()
    {
        var session = (await Challenge(null)).SessionId;
        await InScope((_, db) => db.Set<UiaSession>().Where(s => s.SessionId == session).ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresTs, 1)));
        var unknown = await InScope((uia, _) => Assert.ThrowsAsync<MatrixException>(() =>
            uia.CheckAsync(Request(new JsonObject { ["session"] = session }), TwoStages, "test", null, CancellationToken.None)));
        Assert.Equal(400, unknown.StatusCode);
        Assert.True(await InScope((uia, _) => uia.ExpireAsync(100, CancellationToken.None)) >= 1);
        Assert.False(await InScope((_, db) => db.Set<UiaSession>().AnyAsync(s => s.SessionId == session)));
    }

    [Fact]
    public async Task A_session_id_must_be_a_string()
    {
        var bad = await InScope((uia, _) => Assert.ThrowsAsync<MatrixException>(() =>
            uia.CheckAsync(Request(new JsonObject { ["session"] = 5 }), TwoStages, "test", null, CancellationToken.None)));
        Assert.Equal("M_BAD_JSON", bad.ErrCode);
    }
}

/// <summary>The number of sessions is bounded: the oldest make room.</summary>
public sealed class UiaSessionLimitTests(UiaSessionLimitTests.Fixture fixture) : IClassFixture<UiaSessionLimitTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Homeserver:Auth:MaxUiaSessions"] = "2";
    }

    [Fact]
    public async Task A_new_session_beyond_the_bound_drops_the_oldest()
    {
        var http = fixture.Server.Http;
        async Task<string> Challenge(string name) =>
            (await http.PostJsonAsync("/_matrix/client/v3/register", new JsonObject { ["username"] = name })).Object["session"]!.GetValue<string>();
        JsonObject Complete(string name, string session) => new()
        {
            ["username"] = name,
            ["password"] = TestUsers.DefaultPassword,
            ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session },
        };

        var oldest = await Challenge("bounded1");
        var middle = await Challenge("bounded2");
        var newest = await Challenge("bounded3");
        (await http.PostJsonAsync("/_matrix/client/v3/register", Complete("bounded1", oldest))).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await http.PostJsonAsync("/_matrix/client/v3/register", Complete("bounded2", middle))).Ok();
        (await http.PostJsonAsync("/_matrix/client/v3/register", Complete("bounded3", newest))).Ok();
    }
}
