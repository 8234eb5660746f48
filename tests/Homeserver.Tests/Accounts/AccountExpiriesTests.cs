using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>When the account clean-up has something to do: after a session or token was stored, not before.</summary>
public sealed class AccountExpiriesTests(AccountExpiriesTests.Fixture fixture) : IClassFixture<AccountExpiriesTests.Fixture>
{
    public sealed class Fixture : HomeserverFixture;

    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public void The_earliest_noted_expiry_decides_and_a_failed_run_makes_it_unknown()
    {
        var expiries = new AccountExpiries();
        Assert.True(expiries.AnyDue(0));

        expiries.Forget();
        Assert.False(expiries.AnyDue(long.MaxValue - 1));
        expiries.Note(2_000);
        expiries.Note(1_000);
        expiries.Note(3_000);
        Assert.False(expiries.AnyDue(999));
        Assert.True(expiries.AnyDue(1_000));

        expiries.Unknown();
        Assert.True(expiries.AnyDue(0));
    }

    [Fact]
    public async Task A_new_auth_session_makes_the_clean_up_due_when_it_expires()
    {
        var expiries = _server.Services.GetRequiredService<AccountExpiries>();
        var cleanup = _server.Services.GetServices<IHostedService>().OfType<AccountsCleanup>().Single();
        await cleanup.RunOnceAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var lifetime = _server.Services.GetRequiredService<AuthOptions>().UiaSessionLifetimeMs;
        // Other tests of the class may have left sessions; none of them has expired yet.
        Assert.False(expiries.AnyDue(now));

        // Registration without auth: a 401 that starts a session.
        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/register", new JsonObject { ["username"] = "someone", ["password"] = TestUsers.DefaultPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        Assert.True(expiries.AnyDue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + lifetime));
    }
}
