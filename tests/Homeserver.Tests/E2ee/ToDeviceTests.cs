using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.E2ee;

/// <summary>PUT /sendToDevice: storage per recipient device, idempotency, remote hand-off, bounds.</summary>
public sealed class ToDeviceTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private TestHomeserver Server => fixture.Server;

    private Task<MatrixResponse> SendAsync(TestUser sender, string txnId, JsonObject messages, string type = "m.test") =>
        Server.Http.PutJsonAsync($"/_matrix/client/v3/sendToDevice/{type}/{txnId}", new JsonObject { ["messages"] = messages.DeepClone() }, sender.AccessToken);

    private async Task<List<(string DeviceId, JsonObject Event)>> PendingAsync(TestUser user)
    {
        await using var db = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var rows = await db.ToDeviceMessages.Where(m => m.UserId == user.UserId).OrderBy(m => m.Id).ToListAsync();
        return rows.ConvertAll(r => (r.DeviceId, JsonNode.Parse(r.Json)!.AsObject()));
    }

    [Fact]
    public async Task Messages_are_stored_per_device_once_per_transaction()
    {
        var alice = await Server.CreateUserAsync("td_alice");
        var bob = await Server.CreateUserAsync("td_bob", deviceId: "BOB1");
        await Server.CreateUserAsync("td_bob", deviceId: "BOB2");
        var messages = new JsonObject
        {
            [bob.UserId] = new JsonObject { ["BOB1"] = new JsonObject { ["n"] = 1 }, ["NOSUCHDEVICE"] = new JsonObject { ["n"] = 2 } },
        };
        (await SendAsync(alice, "t1", messages)).Ok();
        (await SendAsync(alice, "t1", messages)).Ok();
        var pending = await PendingAsync(bob);
        var (deviceId, message) = Assert.Single(pending);
        Assert.Equal("BOB1", deviceId);
        Assert.Equal(alice.UserId, message["sender"]!.GetValue<string>());
        Assert.Equal("m.test", message["type"]!.GetValue<string>());
        Assert.Equal(1, message["content"]!["n"]!.GetValue<int>());

        // "*" reaches every device of the user.
        (await SendAsync(alice, "t2", new JsonObject { [bob.UserId] = new JsonObject { ["*"] = new JsonObject { ["n"] = 3 } } })).Ok();
        Assert.Equal(["BOB1", "BOB1", "BOB2"], (await PendingAsync(bob)).Select(p => p.DeviceId).Order());
        Assert.Contains(fixture.Publisher.OfType<ToDeviceMessagesArrived>(), n => n.UserIds.Contains(bob.UserId));
    }

    [Fact]
    public async Task Messages_for_remote_users_are_handed_to_federation()
    {
        var alice = await Server.CreateUserAsync("td_remote");
        (await SendAsync(alice, "r1", new JsonObject { ["@bob:remote.example"] = new JsonObject { ["DEV"] = new JsonObject { ["secret"] = "ciphertext" } } }, "m.room.encrypted")).Ok();
        var sent = Assert.Single(fixture.Publisher.OfType<RemoteToDeviceMessagesSent>(), n => n.Sender == alice.UserId);
        Assert.Equal("m.room.encrypted", sent.EventType);
        Assert.Equal("ciphertext", sent.Messages["@bob:remote.example"]["DEV"]!["secret"]!.GetValue<string>());
        Assert.NotEmpty(sent.MessageId);
    }

    [Fact]
    public async Task Malformed_and_oversized_sends_are_refused()
    {
        var alice = await Server.CreateUserAsync("td_bad");
        (await Server.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.test/b1", new JsonObject(), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await SendAsync(alice, "b2", new JsonObject { [alice.UserId] = "not devices" })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(alice, "b3", new JsonObject { [alice.UserId] = new JsonObject { ["*"] = 5 } })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(alice, "b4", new JsonObject { ["not-a-user"] = new JsonObject() })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        var huge = new JsonObject { ["blob"] = new string('x', 70_000) };
        (await SendAsync(alice, "b5", new JsonObject { [alice.UserId] = new JsonObject { ["*"] = huge } })).IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
        (await Server.Http.PutJsonAsync("/_matrix/client/v3/sendToDevice/m.test/b6", new JsonObject { ["messages"] = new JsonObject() })).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Transaction_ids_are_forgotten_after_a_day()
    {
        var alice = await Server.CreateUserAsync("td_cleanup");
        (await SendAsync(alice, "fresh", new JsonObject())).Ok();
        await using (var db = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync())
        {
            db.ToDeviceTransactions.Add(new Storage.Entities.ToDeviceTransaction
            {
                UserId = alice.UserId, DeviceId = alice.DeviceId, TxnId = "old", CreatedTs = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds(),
            });
            await db.SaveChangesAsync();
        }

        var cleanup = Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ToDevice.ToDeviceTransactionsCleanup>().Single();
        Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) >= 1);
        await using var check = await Server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var left = await check.ToDeviceTransactions.Where(t => t.UserId == alice.UserId).Select(t => t.TxnId).ToListAsync();
        Assert.Equal(["fresh"], left);
    }
}
