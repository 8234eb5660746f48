using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>429 M_LIMIT_EXCEEDED with retry_after_ms, on a server with small buckets.</summary>
public sealed class RateLimitTests(RateLimitTests.Fixture fixture) : IClassFixture<RateLimitTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:RateLimits:Enabled"] = "true";
            settings["Homeserver:RateLimits:ExemptLoopback"] = "false";
            settings["Homeserver:RateLimits:Login:Burst"] = "3";
            settings["Homeserver:RateLimits:Login:PerSecond"] = "0.1";
            settings["Homeserver:RateLimits:Register:Burst"] = "4";
            settings["Homeserver:RateLimits:Register:PerSecond"] = "0.1";
            settings["Homeserver:RateLimits:Send:Burst"] = "2";
            settings["Homeserver:RateLimits:Send:PerSecond"] = "0.1";
            settings["Homeserver:RateLimits:Join:Burst"] = "2";
            settings["Homeserver:RateLimits:Join:PerSecond"] = "0.1";
            settings["Homeserver:RateLimits:ThirdPartyInvite:Burst"] = "2";
        }
    }

    private readonly TestHomeserver _server = fixture.Server;

    private static void IsLimited(MatrixResponse response)
    {
        response.IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
        Assert.InRange(response.Object["retry_after_ms"]!.GetValue<long>(), 1, 10_000);
    }

    [Fact]
    public async Task Logins_from_one_address_are_limited()
    {
        var bad = new JsonObject { ["type"] = "m.login.password", ["user"] = "nobody", ["password"] = "x" };
        var answers = new List<MatrixResponse>();
        for (var i = 0; i < 4; i++) answers.Add(await _server.Http.PostJsonAsync("/_matrix/client/v3/login", bad));
        Assert.All(answers.Take(3), a => a.IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN"));
        IsLimited(answers[3]);
    }

    [Fact]
    public async Task Registrations_from_one_address_are_limited()
    {
        var answers = new List<MatrixResponse>();
        for (var i = 0; i < 5; i++) answers.Add(await _server.Http.GetJsonAsync($"/_matrix/client/v3/register/available?username=free{i}"));
        Assert.All(answers.Take(4), a => a.Ok());
        IsLimited(answers[4]);
    }

    [Fact]
    public async Task Third_party_invites_of_one_user_are_limited_before_an_identity_server_is_asked()
    {
        var user = await _server.CreateUserAsync("inviter" + Guid.NewGuid().ToString("N")[..6]);
        var body = new JsonObject { ["id_server"] = "id.invalid", ["id_access_token"] = "t", ["medium"] = "email", ["address"] = "a@example.org" };
        var answers = new List<MatrixResponse>();
        for (var i = 0; i < 3; i++) answers.Add(await _server.Http.PostJsonAsync("/_matrix/client/v3/rooms/!nowhere:localhost/invite", body.DeepClone(), user.AccessToken));
        Assert.All(answers.Take(2), a => a.IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN"));
        IsLimited(answers[2]);
    }

    [Fact]
    public async Task Sends_and_joins_of_one_user_are_limited()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (alice, bob) = (await _server.CreateUserAsync("sender" + tag), await _server.CreateUserAsync("joiner" + tag));
        var rooms = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            rooms.Add((await _server.Http.PostJsonAsync("/_matrix/client/v3/createRoom", new JsonObject { ["preset"] = "public_chat" }, alice.AccessToken))
                .Ok()["room_id"]!.GetValue<string>());
        }

        var room = Uri.EscapeDataString(rooms[0]);
        var sends = new List<MatrixResponse>();
        for (var i = 0; i < 3; i++)
        {
            sends.Add(await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/t{i}",
                new JsonObject { ["msgtype"] = "m.text", ["body"] = "hi" }, alice.AccessToken));
        }

        Assert.All(sends.Take(2), s => s.Ok());
        IsLimited(sends[2]);
        // State events count as sends too.
        IsLimited(await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic", new JsonObject { ["topic"] = "t" }, alice.AccessToken));

        var joins = new List<MatrixResponse>();
        foreach (var id in rooms) joins.Add(await _server.Http.PostJsonAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(id)}", new JsonObject(), bob.AccessToken));
        Assert.All(joins.Take(2), j => j.Ok());
        IsLimited(joins[2]);
        // bob's bucket of sends is his own.
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/b", new JsonObject { ["msgtype"] = "m.text", ["body"] = "hi" },
            bob.AccessToken)).Ok();
    }

    [Fact]
    public void Per_user_policies_are_separate_buckets()
    {
        var limits = _server.Services.GetRequiredService<RateLimits>();
        limits.Acquire(RateLimitPolicy.Send, "@a:localhost");
        limits.Acquire(RateLimitPolicy.Send, "@a:localhost");
        var limited = Assert.Throws<MatrixException>(() => limits.Acquire(RateLimitPolicy.Send, "@a:localhost"));
        Assert.Equal(429, limited.StatusCode);
        limits.Acquire(RateLimitPolicy.Send, "@b:localhost");
        Assert.Throws<ArgumentException>(() => limits.Acquire("no-such-policy", "x"));
    }
}

/// <summary>By default loopback peers (test rigs, a local reverse proxy) skip the per-IP limits.</summary>
public sealed class LoopbackExemptionTests(LoopbackExemptionTests.Fixture fixture) : IClassFixture<LoopbackExemptionTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:RateLimits:Enabled"] = "true";
            settings["Homeserver:RateLimits:Register:Burst"] = "1";
            settings["Homeserver:RateLimits:Register:PerSecond"] = "0.01";
        }
    }

    [Fact]
    public async Task Requests_from_loopback_are_not_limited_per_address()
    {
        for (var i = 0; i < 5; i++)
        {
            (await fixture.Server.Http.GetJsonAsync($"/_matrix/client/v3/register/available?username=loop{i}")).Ok();
        }
    }
}

/// <summary>Failed password attempts are counted per account, whatever address they come from.</summary>
public sealed class PasswordGuessingTests(PasswordGuessingTests.Fixture fixture) : IClassFixture<PasswordGuessingTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture
    {
        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["Homeserver:RateLimits:Enabled"] = "true";
            settings["Homeserver:RateLimits:Login:Burst"] = "3";
            settings["Homeserver:RateLimits:Login:PerSecond"] = "0.01";
            settings["Homeserver:RateLimits:Register:Burst"] = "10";
        }
    }

    [Fact]
    public async Task Guessing_one_users_password_in_the_auth_stage_is_limited()
    {
        var server = fixture.Server;
        var user = await server.RegisterAsync("guessed");
        var body = new JsonObject { ["new_password"] = "a brand new passphrase" };
        var session = (await server.Http.PostJsonAsync("/_matrix/client/v3/account/password", body, user.AccessToken)).Object["session"]!.GetValue<string>();
        var answers = new List<MatrixResponse>();
        for (var i = 0; i < 4; i++)
        {
            body["auth"] = user.PasswordAuth(session, $"guess {i}");
            answers.Add(await server.Http.PostJsonAsync("/_matrix/client/v3/account/password", body, user.AccessToken));
        }

        Assert.All(answers.Take(3), a => a.IsError(HttpStatusCode.Unauthorized, "M_FORBIDDEN"));
        answers[3].IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
    }
}
