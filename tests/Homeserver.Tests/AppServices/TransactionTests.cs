using System.Text.Json.Nodes;
using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>Events pushed to application services: who gets what, in order, with retries and across a restart.</summary>
public sealed class TransactionTests : IAsyncLifetime
{
    private FakeAppService _bridge = null!;
    private TestRegistration _registration = null!;
    private readonly TestRegistration _silent = new("silent", "silentbot", "@_silent_.*");
    private TestHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        var hsToken = "hs_" + Guid.NewGuid().ToString("N");
        _bridge = await FakeAppService.StartAsync(hsToken);
        _registration = new TestRegistration("bridge", "_bridge_bot", "@_bridge_.*") { HsToken = hsToken, Url = _bridge.Url, AliasesRegex = "#_bridge_.*" };
        // A second AS with no URL: it gets nothing pushed.
        _server = await AppServiceRig.StartAsync(_registration, _silent);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _bridge.DisposeAsync();
    }

    private async Task<string> RegisterBridgedAsync(string localpart)
    {
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/register",
            new JsonObject { ["type"] = "m.login.application_service", ["username"] = localpart, ["inhibit_login"] = true }, _registration.AsToken)).Ok();
        return $"@{localpart}:localhost";
    }

    private Task<string> SendAsync(TestUser user, string roomId, string body) => SendAsync(user.AccessToken, roomId, body, null);

    private async Task<string> SendAsync(string token, string roomId, string body, string? asUser)
    {
        var path = $"/_matrix/client/v3/rooms/{RoomsClient.Path(roomId)}/send/m.room.message/{Guid.NewGuid():N}";
        if (asUser is not null) path = _registration.As(path, asUser);
        return (await _server.Http.PutJsonAsync(path, new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, token)).Ok()["event_id"]!.GetValue<string>();
    }

    private static Func<JsonObject, bool> Id(string eventId) => e => e["event_id"]?.GetValue<string>() == eventId;

    [Fact]
    public async Task Events_of_namespaced_users_and_their_rooms_arrive_in_client_format()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await RegisterBridgedAsync("_bridge_bob");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var before = await SendAsync(alice, roomId, "before the bridge");

        // The invite of a namespaced user interests the AS (its state_key).
        (await _server.MembershipAsync(alice, roomId, "invite", bob)).Ok();
        var invite = await _bridge.WaitForEventAsync(e => e["type"]?.GetValue<string>() == "m.room.member" && e["state_key"]?.GetValue<string>() == bob, "the invite");
        Assert.Equal("invite", invite["content"]!["membership"]!.GetValue<string>());
        Assert.Equal(roomId, invite["room_id"]!.GetValue<string>());
        Assert.Equal(alice.UserId, invite["sender"]!.GetValue<string>());

        // The AS joins as bob; from then on every event of the room is the AS's business.
        (await _server.Http.PostJsonAsync(_registration.As($"/_matrix/client/v3/join/{RoomsClient.Path(roomId)}", bob), new JsonObject(), _registration.AsToken)).Ok();
        var first = await SendAsync(alice, roomId, "hello bridge");
        var second = await SendAsync(alice, roomId, "second");
        var received = await _bridge.WaitForEventAsync(Id(second), "alice's second message");
        Assert.Equal("second", received["content"]!["body"]!.GetValue<string>());
        var order = _bridge.Events.Select(e => e["event_id"]!.GetValue<string>()).ToList();
        Assert.True(order.IndexOf(first) < order.IndexOf(second), "events arrive in order");
        Assert.DoesNotContain(before, order);
        Assert.Equal(0, _bridge.Unauthorized);
        Assert.All(_bridge.Transactions, t => Assert.NotNull(t.Body["events"]));

        // A room with nothing of the AS's stays private.
        var other = await _server.CreateRoomAsync(alice, new JsonObject());
        var unrelated = await SendAsync(alice, other, "not for the bridge");
        var marker = await SendAsync(alice, roomId, "marker");
        await _bridge.WaitForEventAsync(Id(marker), "the marker");
        Assert.DoesNotContain(_bridge.Events, e => Id(unrelated)(e));

        // The AS with no URL has nothing queued.
        await using var db = await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Set<AppServiceOutboxItem>().AnyAsync(i => i.AppServiceId == "silent"));
    }

    [Fact]
    public async Task A_room_whose_alias_is_in_the_namespace_interests_the_AS()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject());
        var alias = "#_bridge_chan" + Guid.NewGuid().ToString("N")[..6] + ":localhost";
        (await _server.PutAsync(_registration.Sender, "/directory/room/" + RoomsClient.Path(alias), new JsonObject { ["room_id"] = roomId })).Ok();
        var message = await SendAsync(alice, roomId, "seen through the alias");
        await _bridge.WaitForEventAsync(Id(message), "the message of the aliased room");
    }

    [Fact]
    public async Task Transactions_are_retried_in_order_until_the_AS_is_back()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await RegisterBridgedAsync("_bridge_carol");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.Http.PostJsonAsync(_registration.As($"/_matrix/client/v3/join/{RoomsClient.Path(roomId)}", bob), new JsonObject(), _registration.AsToken)).Ok();
        await _bridge.WaitUntilAsync(f => f.Events.Any(e => e["state_key"]?.GetValue<string>() == bob), "bob's join");

        _bridge.Down = true;
        var sent = new List<string>();
        for (var i = 0; i < 3; i++) sent.Add(await SendAsync(alice, roomId, $"while down {i}"));
        await _bridge.WaitUntilAsync(f => f.RefusedTransactions >= 2, "two refused attempts");
        _bridge.Down = false;
        await _bridge.WaitForEventAsync(Id(sent[^1]), "the messages after the AS came back");
        var order = _bridge.Events.Select(e => e["event_id"]!.GetValue<string>()).ToList();
        Assert.Equal(sent, order.Where(sent.Contains));
        Assert.Equal(sent.Count, order.Count(sent.Contains));
    }

    [Fact]
    public async Task A_restarted_sender_resumes_the_queue_from_the_database()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await RegisterBridgedAsync("_bridge_dave");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.Http.PostJsonAsync(_registration.As($"/_matrix/client/v3/join/{RoomsClient.Path(roomId)}", bob), new JsonObject(), _registration.AsToken)).Ok();

        _bridge.Down = true;
        var message = await SendAsync(alice, roomId, "queued across a restart");
        await _bridge.WaitUntilAsync(f => f.RefusedTransactions >= 1, "a refused attempt");
        // The message is queued once its send has been answered (RoomEventsToForward), so the refused attempt may have
        // been the join's: wait for the message's row before stopping the sender.
        var factory = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync();
            return await db.Set<AppServiceOutboxItem>().AnyAsync(i => i.AppServiceId == "bridge" && i.EventId == message);
        }));
        await _server.Services.GetRequiredService<AppServiceSender>().StopAsync(CancellationToken.None);

        _bridge.Down = false;
        using var restarted = ActivatorUtilities.CreateInstance<AppServiceSender>(_server.Services);
        await ((IHostedService)restarted).StartAsync(CancellationToken.None);
        try
        {
            await _bridge.WaitForEventAsync(Id(message), "the queued message after the restart");
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }
    }
}
