using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>The E2EE parts of /sync: to_device, device_lists, one-time key counts and fallback key types.</summary>
public sealed class SyncE2eeTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;

    private Task<MatrixResponse> SendToDeviceAsync(TestUser sender, TestUser recipient, string txnId, int n) =>
        Server.Http.PutJsonAsync($"/_matrix/client/v3/sendToDevice/m.test/{txnId}", new JsonObject
        {
            ["messages"] = new JsonObject { [recipient.UserId] = new JsonObject { [recipient.DeviceId] = new JsonObject { ["n"] = n } } },
        }, sender.AccessToken);

    private static List<int> ToDeviceNumbers(JsonObject sync) =>
        sync["to_device"]?["events"]?.AsArray().Select(e => e!["content"]!["n"]!.GetValue<int>()).ToList() ?? [];

    private static List<string> DeviceLists(JsonObject sync, string part) =>
        sync["device_lists"]?[part]?.AsArray().Select(u => u!.GetValue<string>()).ToList() ?? [];

    [Fact]
    public async Task To_device_messages_reach_only_their_device_until_a_later_sync_acknowledges_them()
    {
        var alice = await Server.CreateUserAsync("sync_td_alice");
        var bob = await Server.CreateUserAsync("sync_td_bob", deviceId: "BOBPHONE");
        var bobLaptop = await Server.CreateUserAsync("sync_td_bob", deviceId: "BOBLAPTOP");
        var since = (await Server.SyncAsync(bob)).NextBatch();

        (await SendToDeviceAsync(alice, bob, "a", 1)).Ok();
        (await SendToDeviceAsync(alice, bob, "b", 2)).Ok();
        var first = await Server.SyncAsync(bob, since);
        Assert.Equal([1, 2], ToDeviceNumbers(first));
        Assert.Equal(alice.UserId, first["to_device"]!["events"]![0]!["sender"]!.GetValue<string>());
        Assert.Empty(ToDeviceNumbers(await Server.SyncAsync(bobLaptop)));

        // The answer was lost: the same since gets the messages again. The next since does not.
        Assert.Equal([1, 2], ToDeviceNumbers(await Server.SyncAsync(bob, since)));
        Assert.Empty(ToDeviceNumbers(await Server.SyncAsync(bob, first.NextBatch())));
        await using var db = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        Assert.False(await db.ToDeviceMessages.AnyAsync(m => m.UserId == bob.UserId && m.DeviceId == bob.DeviceId));

        // A waiting long-poll wakes for a new message.
        var waiting = Server.SyncAsync(bob, first.NextBatch(), timeoutMs: 20_000);
        await Task.Delay(200);
        (await SendToDeviceAsync(alice, bob, "c", 3)).Ok();
        Assert.Equal([3], ToDeviceNumbers(await waiting.WaitAsync(TimeSpan.FromSeconds(15))));
    }

    [Fact]
    public async Task Device_lists_report_key_changes_joins_and_departures_of_users_sharing_a_room()
    {
        var alice = await Server.CreateUserAsync("sync_dl_alice", deviceId: "ALICEDL");
        var bob = await Server.CreateUserAsync("sync_dl_bob", deviceId: "BOBDL");
        var carol = await Server.CreateUserAsync("sync_dl_carol");
        var stranger = await Server.CreateUserAsync("sync_dl_stranger", deviceId: "STRANGERDL");
        var roomId = await Server.CreateRoomAsync(alice);
        await Server.JoinAsync(roomId, bob);
        var since = (await Server.SyncAsync(alice)).NextBatch();

        using var bobKey = TestKeys.NewKey();
        using var strangerKey = TestKeys.NewKey();
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(bob, bobKey) }, bob.AccessToken)).Ok();
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(stranger, strangerKey) }, stranger.AccessToken)).Ok();
        var sync = await Server.SyncAsync(alice, since, timeoutMs: 5_000);
        Assert.Equal([bob.UserId], DeviceLists(sync, "changed"));

        await Server.JoinAsync(roomId, carol);
        sync = await Server.SyncAsync(alice, sync.NextBatch());
        Assert.Contains(carol.UserId, DeviceLists(sync, "changed"));

        await Server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, "leave"));
        sync = await Server.SyncAsync(alice, sync.NextBatch());
        Assert.Equal([bob.UserId], DeviceLists(sync, "left"));

        // Her own new keys are a change to her own list too.
        using var aliceKey = TestKeys.NewKey();
        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = TestKeys.DeviceKeys(alice, aliceKey) }, alice.AccessToken)).Ok();
        Assert.Contains(alice.UserId, DeviceLists(await Server.SyncAsync(alice, sync.NextBatch()), "changed"));
    }

    [Fact]
    public async Task A_new_login_and_a_renamed_device_are_device_list_changes_before_any_keys()
    {
        // As Synapse: the other members' clients learn of the device (or its name) without waiting for its keys.
        var alice = await Server.CreateUserAsync("sync_dn_alice");
        var bob = await Server.RegisterAsync("sync_dn_bob");
        var roomId = await Server.CreateRoomAsync(alice);
        await Server.JoinAsync(roomId, bob);
        var aliceSince = (await Server.SyncAsync(alice)).NextBatch();
        var bobSince = (await Server.SyncAsync(bob)).NextBatch();

        var waiting = Server.SyncAsync(alice, aliceSince, timeoutMs: 10_000);
        var bobLaptop = await Server.LoginAsync(bob);
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(8));
        Assert.Equal([bob.UserId], DeviceLists(sync, "changed"));
        Assert.Contains(bob.UserId, DeviceLists(await Server.SyncAsync(bob, bobSince), "changed"));

        (await Server.Http.PutJsonAsync($"/_matrix/client/v3/devices/{bobLaptop.DeviceId}", new JsonObject { ["display_name"] = "laptop" }, bobLaptop.AccessToken)).Ok();
        Assert.Equal([bob.UserId], DeviceLists(await Server.SyncAsync(alice, sync.NextBatch(), timeoutMs: 5_000), "changed"));
    }

    [Fact]
    public async Task Sync_reports_one_time_key_counts_and_unused_fallback_key_types()
    {
        var alice = await Server.CreateUserAsync("sync_counts_alice", deviceId: "COUNTS");
        var bob = await Server.CreateUserAsync("sync_counts_bob");
        var empty = await Server.SyncAsync(alice);
        Assert.Equal(0, empty["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());
        Assert.Empty(empty["device_unused_fallback_key_types"]!.AsArray());

        (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/upload", new JsonObject
        {
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:A"] = new JsonObject { ["key"] = "a" } },
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:F"] = new JsonObject { ["key"] = "f", ["fallback"] = true } },
        }, alice.AccessToken)).Ok();
        var sync = await Server.SyncAsync(alice);
        Assert.Equal(1, sync["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());
        Assert.Equal(["signed_curve25519"], sync["device_unused_fallback_key_types"]!.AsArray().Select(t => t!.GetValue<string>()));

        for (var i = 0; i < 2; i++)
        {
            (await Server.Http.PostJsonAsync("/_matrix/client/v3/keys/claim", new JsonObject
            {
                ["one_time_keys"] = new JsonObject { [alice.UserId] = new JsonObject { [alice.DeviceId] = "signed_curve25519" } },
            }, bob.AccessToken)).Ok();
        }

        sync = await Server.SyncAsync(alice);
        Assert.Equal(0, sync["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());
        Assert.Empty(sync["device_unused_fallback_key_types"]!.AsArray());
    }
}
