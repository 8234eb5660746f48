using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>Send-to-device messages between users of two servers (m.direct_to_device).</summary>
[Collection(KeysFederationCollection.Name)]
public sealed class ToDeviceFederationTests(KeysFederationFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    /// <summary>The to-device events stored for the user's devices: (device, event).</summary>
    public static async Task<List<(string DeviceId, JsonObject Event)>> PendingAsync(TestHomeserver server, string userId)
    {
        await using var db = server.Db();
        var rows = await db.ToDeviceMessages.Where(m => m.UserId == userId).OrderBy(m => m.Id).ToListAsync();
        return rows.ConvertAll(r => (r.DeviceId, JsonNode.Parse(r.Json)!.AsObject()));
    }

    private static JsonObject DirectToDevice(string sender, string messageId, string recipient, string deviceId, JsonObject content) => new()
    {
        ["edu_type"] = DirectToDeviceSender.EduType,
        ["content"] = new JsonObject
        {
            ["sender"] = sender, ["type"] = "m.test", ["message_id"] = messageId,
            ["messages"] = new JsonObject { [recipient] = new JsonObject { [deviceId] = content } },
        },
    };

    [Fact]
    public async Task Messages_reach_the_devices_of_users_of_the_other_server()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "td_alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "td_bob");
        await Hs2.CreateUserAsync(bob.Localpart, deviceId: "SECOND");
        var messages = new JsonObject
        {
            [bob.UserId] = new JsonObject { [bob.DeviceId] = new JsonObject { ["n"] = 1 } },
        };
        (await Hs1.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.test/t1", new JsonObject { ["messages"] = messages }, alice.AccessToken)).Ok();
        (await Hs1.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.test/t2",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId] = new JsonObject { ["*"] = new JsonObject { ["n"] = 2 } } } }, alice.AccessToken)).Ok();

        Assert.True(await Eventually.HoldsAsync(async () => (await PendingAsync(Hs2, bob.UserId)).Count == 3));
        var pending = await PendingAsync(Hs2, bob.UserId);
        var (deviceId, first) = pending[0];
        Assert.Equal(bob.DeviceId, deviceId);
        Assert.Equal(alice.UserId, first["sender"]!.GetValue<string>());
        Assert.Equal("m.test", first["type"]!.GetValue<string>());
        Assert.Equal(1, first["content"]!["n"]!.GetValue<int>());
        Assert.Equal(["SECOND", bob.DeviceId], pending.Skip(1).Select(p => p.DeviceId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_message_id_is_delivered_once_and_forged_senders_are_ignored()
    {
        var bob = await FederationEventsFixture.NewUserAsync(Hs1, "td_once");
        var sender = $"@carol:{Hs2.ServerName}";
        var edu = DirectToDevice(sender, "msg-1", bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 1 });
        await Hs2.PushEdusAsync(Hs1, [edu]);
        await Hs2.PushEdusAsync(Hs1, [edu]);
        Assert.Single(await PendingAsync(Hs1, bob.UserId));

        // hs2 sends in the name of hs1's own user, and of a user of a third server.
        await Hs2.PushEdusAsync(Hs1, [
            DirectToDevice(bob.UserId, "msg-2", bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 2 }),
            DirectToDevice("@mallory:hs3.test", "msg-3", bob.UserId, "*", new JsonObject { ["n"] = 3 }),
        ]);
        var (_, only) = Assert.Single(await PendingAsync(Hs1, bob.UserId));
        Assert.Equal(sender, only["sender"]!.GetValue<string>());
    }
}
