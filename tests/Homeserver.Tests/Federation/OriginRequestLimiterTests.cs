using System.Net;
using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.FederationApi.Hosting;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>One server's requests take turns (Homeserver:Federation:ConcurrentRequestsPerServer), a full line is refused, other servers are not held up.</summary>
public sealed class OriginRequestLimiterTests : IAsyncLifetime
{
    private const string Path = "/_matrix/federation/unstable/test/hold";
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _entered;
    private TestFederation _servers = null!;

    public async Task InitializeAsync() => _servers = await TestFederation.StartAsync(["hs1.test", "hs2.test", "hs3.test"], (name, _, settings) =>
    {
        settings["Homeserver:Federation:ConcurrentRequestsPerServer"] = "1";
        settings["Homeserver:Federation:QueuedRequestsPerServer"] = "1";
    }, app => app.MapFederationGroup("/_matrix/federation/unstable/test").MapGet("/hold", async (FederationRequester requester) =>
    {
        Interlocked.Increment(ref _entered);
        await _release.Task;
        return Results.Json(new { origin = requester.Origin });
    }));

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _servers.DisposeAsync();
    }

    [Fact]
    public async Task A_servers_requests_take_turns_and_a_full_line_is_429_while_another_server_goes_on()
    {
        var limiter = _servers["hs1.test"].Services.GetRequiredService<OriginRequestLimiter>();
        var first = _servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, Path);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref _entered) == 1), TimeSpan.FromSeconds(20)));
        var second = _servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, Path);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(limiter.WaitingOf("hs2.test") == 1), TimeSpan.FromSeconds(20)));

        // The line (one) is full: refused at once, with the wait the server should take.
        var third = await _servers.SendSignedAsync("hs2.test", "hs1.test", HttpMethod.Get, Path);
        third.IsError(HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED");
        Assert.True(third.Object["retry_after_ms"]!.GetValue<long>() > 0);

        // Another server has turns of its own.
        var other = _servers.SendSignedAsync("hs3.test", "hs1.test", HttpMethod.Get, Path);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref _entered) == 2), TimeSpan.FromSeconds(20)));
        Assert.False(second.IsCompleted);

        _release.SetResult();
        Assert.All(await Task.WhenAll(first, second, other), r => r.Ok());
        Assert.Equal(3, Volatile.Read(ref _entered));
        Assert.Equal(0, limiter.WaitingOf("hs2.test"));
    }
}
