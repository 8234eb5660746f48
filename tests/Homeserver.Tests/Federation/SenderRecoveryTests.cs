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
    /// <summary>hs1 and hs2 sharing a room, hs2 reached by hs1 through a proxy, hs1 retrying after <c>minRetryMs</c>.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        public SwitchableProxy Proxy { get; } = new();
        public TestFederation Servers { get; private set; } = null!;
        public TestHomeserver Hs1 => Servers["hs1.test"];
        public TestHomeserver Hs2 => Servers["hs2.test"];
        public string RoomId { get; private set; } = "";
        public TestUser Alice { get; private set; } = null!;

        public static async Task<Pair> StartAsync(int minRetryMs)
        {
            var pair = new Pair();
            var retry = minRetryMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pair.Servers = await TestFederation.StartAsync(["hs1.test", "hs2.test"], (name, federation, settings) =>
            {
                settings["Homeserver:FederationEvents:SenderMinRetryMilliseconds"] = retry;
                settings["Homeserver:FederationEvents:SenderMaxRetryMilliseconds"] = retry;
                // The outbox counts below are of the room's events: no presence EDUs beside them.
                settings["Homeserver:Sync:PresenceEnabled"] = "false";
                if (name != "hs1.test") return;
                pair.Proxy.TargetPort = federation.FederationPort("hs2.test");
                settings["Homeserver:Federation:ResolverOverrides:hs2.test"] = $"127.0.0.1:{pair.Proxy.Port}";
            });
            pair.Alice = await pair.Hs1.CreateUserAsync("alice");
            pair.RoomId = await pair.Hs1.CreateRoomAsync(pair.Alice);
            await pair.Hs2.JoinOverFederationAsync(pair.Hs1, pair.RoomId, await pair.Hs2.CreateUserAsync("bob"));
            return pair;
        }

        public async ValueTask DisposeAsync()
        {
            await Servers.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_backed_off_destination_is_retried_at_once_when_it_contacts_us()
    {
        await using var pair = await Pair.StartAsync(minRetryMs: 60_000);
        var (hs1, hs2, proxy, roomId, alice) = (pair.Hs1, pair.Hs2, pair.Proxy, pair.RoomId, pair.Alice);
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
        await using var pair = await Pair.StartAsync(minRetryMs: 100);
        var (hs1, hs2, roomId, alice) = (pair.Hs1, pair.Hs2, pair.RoomId, pair.Alice);

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
