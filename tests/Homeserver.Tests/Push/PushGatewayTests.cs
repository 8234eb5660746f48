using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Matrix.Homeserver.Tests.Push.PushTestClient;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>HTTP pushers against a real push gateway on loopback (allowed by Homeserver:Push:AllowPrivateAddresses).</summary>
public sealed class PushGatewayTests(PushGatewayFixture fixture) : IClassFixture<PushGatewayFixture>
{
    private readonly TestHomeserver _server = fixture.Server;
    private PushGatewayStub Gateway => fixture.Gateway;

    /// <summary>Alice and Bob in a room of two; Bob has a pusher with the given extra data.</summary>
    private async Task<(TestUser Alice, TestUser Bob, string Room, string Pushkey)> SetUpAsync(JsonObject? data = null)
    {
        var alice = await fixture.NewUserAsync("alice");
        var bob = await fixture.NewUserAsync("bob");
        var room = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(room, bob);
        var pushkey = "pushkey-" + bob.Localpart;
        (await _server.SetPusherAsync(bob, Gateway.NotifyUrl, pushkey, extraData: data ?? new JsonObject { ["custom"] = "x" })).Ok();
        return (alice, bob, room, pushkey);
    }

    [Fact]
    public async Task The_gateway_gets_the_event_the_counts_and_the_device()
    {
        var (alice, _, room, pushkey) = await SetUpAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var eventId = await _server.SendMessageAsync(room, alice, "hello bob");

        var notification = (await Gateway.NextAsync(pushkey))["notification"]!.AsObject();
        Assert.Equal(eventId, notification["event_id"]!.GetValue<string>());
        Assert.Equal(eventId, notification["id"]!.GetValue<string>());
        Assert.Equal(room, notification["room_id"]!.GetValue<string>());
        Assert.Equal("m.room.message", notification["type"]!.GetValue<string>());
        Assert.Equal(alice.UserId, notification["sender"]!.GetValue<string>());
        Assert.Equal("hello bob", notification["content"]!["body"]!.GetValue<string>());
        Assert.Equal(1, notification["counts"]!["unread"]!.GetValue<long>());
        // A one-to-one message makes a sound: high priority.
        Assert.Equal("high", notification["prio"]!.GetValue<string>());

        var device = Assert.Single(notification["devices"]!.AsArray())!.AsObject();
        Assert.Equal("org.example.app", device["app_id"]!.GetValue<string>());
        Assert.Equal(pushkey, device["pushkey"]!.GetValue<string>());
        Assert.InRange(device["pushkey_ts"]!.GetValue<long>(), before - 60, before + 60);
        Assert.Equal("""{"custom":"x"}""", device["data"]!.ToJsonString());
        Assert.Equal("""{"sound":"default"}""", device["tweaks"]!.ToJsonString());

        // The badge counts what is still unread.
        await _server.SendMessageAsync(room, alice, "again");
        Assert.Equal(2, (await Gateway.NextAsync(pushkey))["notification"]!["counts"]!["unread"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_read_receipt_sends_the_new_unread_count_alone_once()
    {
        // A badge update, as Synapse sends it: what clears an iPhone's badge once the user read the room elsewhere.
        var (alice, bob, room, pushkey) = await SetUpAsync();
        var eventId = await _server.SendMessageAsync(room, alice, "read me");
        Assert.Equal(1, (await Gateway.NextAsync(pushkey))["notification"]!["counts"]!["unread"]!.GetValue<long>());

        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/receipt/m.read/{Uri.EscapeDataString(eventId)}",
            new JsonObject(), bob.AccessToken)).Ok();
        var badge = (await Gateway.NextAsync(pushkey))["notification"]!.AsObject();
        Assert.Equal(0, badge["counts"]!["unread"]!.GetValue<long>());
        Assert.Equal("", badge["id"]!.GetValue<string>());
        Assert.Equal(pushkey, badge["devices"]![0]!["pushkey"]!.GetValue<string>());
        Assert.False(badge.ContainsKey("event_id"));

        // The count did not change: nothing more is sent.
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/receipt/m.read.private/{Uri.EscapeDataString(eventId)}",
            new JsonObject(), bob.AccessToken)).Ok();
        Assert.False(await Gateway.ReceivesWithinAsync(TimeSpan.FromMilliseconds(500), pushkey));
    }

    [Fact]
    public async Task Event_id_only_pushers_get_no_content()
    {
        var (alice, _, room, pushkey) = await SetUpAsync(new JsonObject { ["format"] = "event_id_only" });
        var eventId = await _server.SendMessageAsync(room, alice, "secret");

        var notification = (await Gateway.NextAsync(pushkey))["notification"]!.AsObject();
        Assert.Equal(["event_id", "room_id", "prio", "counts", "devices"], notification.Select(p => p.Key));
        Assert.Equal(eventId, notification["event_id"]!.GetValue<string>());
        var device = notification["devices"]![0]!.AsObject();
        Assert.Equal(pushkey, device["pushkey"]!.GetValue<string>());
        Assert.Equal("""{"format":"event_id_only"}""", device["data"]!.ToJsonString());
        Assert.False(device.ContainsKey("tweaks"));
        Assert.DoesNotContain("secret", notification.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_gateway_is_retried_and_a_rejected_pushkey_loses_its_pusher()
    {
        var (alice, bob, room, pushkey) = await SetUpAsync();
        var attempts = 0;
        Gateway.Answer = body => PushGatewayStub.PushkeyOf(body) != pushkey ? PushGatewayStub.Accept(body)
            : Interlocked.Increment(ref attempts) == 1 ? (500, new JsonObject { ["error"] = "down" })
            : (200, new JsonObject { ["rejected"] = new JsonArray(pushkey) });
        try
        {
            var eventId = await _server.SendMessageAsync(room, alice, "are you there");
            Assert.Equal(eventId, (await Gateway.NextAsync(pushkey))["notification"]!["event_id"]!.GetValue<string>());
            // After the backoff, the same notification again.
            Assert.Equal(eventId, (await Gateway.NextAsync(pushkey))["notification"]!["event_id"]!.GetValue<string>());
            await EventuallyAsync(async () =>
            {
                await using var db = _server.Db();
                return !await db.Set<Pusher>().AnyAsync(p => p.UserId == bob.UserId);
            }, "the rejected pusher to be removed");
        }
        finally
        {
            Gateway.Answer = PushGatewayStub.Accept;
        }
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        var (alice, bob, room, pushkey) = await SetUpAsync();
        Gateway.Answer = body => PushGatewayStub.PushkeyOf(body) == pushkey ? (307, new JsonObject()) : PushGatewayStub.Accept(body);
        try
        {
            await _server.SendMessageAsync(room, alice, "redirect me");
            await Gateway.NextAsync(pushkey);
            // Had the client followed the redirect, the gateway would have answered 200 and nothing would be failing.
            await EventuallyAsync(async () =>
            {
                await using var db = _server.Db();
                return await db.Set<Pusher>().AnyAsync(p => p.UserId == bob.UserId && p.FailingSince != null);
            }, "the redirect to count as a failure");
        }
        finally
        {
            Gateway.Answer = PushGatewayStub.Accept;
        }
    }

    [Fact]
    public async Task Nothing_is_pushed_for_events_that_do_not_notify()
    {
        var (alice, _, room, pushkey) = await SetUpAsync();
        await _server.SendEventsAsync(room, Matrix.Homeserver.Events.Pipeline.EventDraft.State("m.room.topic", "", alice.UserId, new JsonObject { ["topic"] = "quiet" }));
        var message = await _server.SendMessageAsync(room, alice, "loud");
        // The topic change made no notification: the first push is the message.
        Assert.Equal(message, (await Gateway.NextAsync(pushkey))["notification"]!["event_id"]!.GetValue<string>());
    }
}
