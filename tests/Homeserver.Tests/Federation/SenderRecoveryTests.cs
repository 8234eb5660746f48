using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// The sender's recovery paths, each on servers of its own: hs1 retries slowly (a minute), so only the destination
/// contacting us can make it retry early; and a sender that stops and starts again resumes its queues from the
/// database.
/// </summary>
public sealed class SenderRecoveryTests
{
    private static async Task<(TestFederation Servers, SwitchableProxy Proxy)> StartAsync(int minRetryMs)
    {
        var proxy = new SwitchableProxy();
        var servers = await TestFederation.StartAsync(["hs1.test", "hs2.test"], (name, federation, settings) =>
        {
            settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = minRetryMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Homeserver:FederationEvents:SenderMaxRetryMilliseconds"] = (minRetryMs * 4).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (name != "hs1.test") return;
            proxy.TargetPort = federation.FederationPort("hs2.test");
            settings["Homeserver:Federation:ResolverOverrides:hs2.test"] = $"127.0.0.1:{proxy.Port}";
        });
        return (servers, proxy);
    }

    private static async Task<(string RoomId, TestUser Alice)> SharedRoomAsync(TestFederation servers)
    {
        var alice = await servers["hs1.test"].CreateUserAsync("alice");
        var bob = await servers["hs2.test"].CreateUserAsync("bob");
        var roomId = await servers["hs1.test"].CreateRoomAsync(alice);
        await servers["hs2.test"].JoinOverFederationAsync(servers["hs1.test"], roomId, bob);
        return (roomId, alice);
    }

    [Fact]
    public async Task A_backed_off_destination_is_retried_at_once_when_it_contacts_us()
    {
        var (servers, proxy) = await StartAsync(minRetryMs: 60_000);
        await using var proxyScope = proxy;
        await using var serversScope = servers;
        var (hs1, hs2) = (servers["hs1.test"], servers["hs2.test"]);
        var (roomId, alice) = await SharedRoomAsync(servers);
        var outbox = hs1.Services.GetRequiredService<FederationOutbox>();

        proxy.IsUp = false;
        var message = await hs1.SendMessageAsync(roomId, alice, "are you there?");
        Assert.True(await outbox.WaitUntilAsync(o => o.NextAttemptTs("hs2.test") is not null));
        proxy.IsUp = true;
        Assert.False(await hs2.WaitForTimelineAsync([message], TimeSpan.FromSeconds(1)));

        // Any authenticated request from hs2 tells hs1 that hs2 is back.
        var client = hs2.Services.GetRequiredService<FederationClient>();
        await Assert.ThrowsAsync<FederationHttpException>(() => client.GetJsonAsync("hs1.test", "/_matrix/federation/v1/event/%24unknown"));
        Assert.True(await hs2.WaitForTimelineAsync([message], TimeSpan.FromSeconds(15)));
        Assert.Null(outbox.NextAttemptTs("hs2.test"));
    }

    [Fact]
    public async Task A_restarted_sender_resumes_its_queues_from_the_database()
    {
        var (servers, proxy) = await StartAsync(minRetryMs: 100);
        await using var proxyScope = proxy;
        await using var serversScope = servers;
        var (hs1, hs2) = (servers["hs1.test"], servers["hs2.test"]);
        var (roomId, alice) = await SharedRoomAsync(servers);

        // The sender stops (as at shutdown); events keep being queued, and nothing sends them.
        await hs1.Services.GetRequiredService<FederationOutbox>().StopAsync(CancellationToken.None);
        var queued = new List<string>();
        for (var i = 0; i < 3; i++) queued.Add(await hs1.SendMessageAsync(roomId, alice, $"queued {i}"));
        Assert.False(await hs2.WaitForTimelineAsync(queued, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(3, await hs1.Services.GetRequiredService<OutboxStore>().CountAsync("hs2.test", CancellationToken.None));

        // A new sender over the same database, as after a restart.
        using var restarted = ActivatorUtilities.CreateInstance<FederationOutbox>(hs1.Services);
        await ((IHostedService)restarted).StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await hs2.WaitForTimelineAsync(queued, TimeSpan.FromSeconds(15)));
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }
    }
}
