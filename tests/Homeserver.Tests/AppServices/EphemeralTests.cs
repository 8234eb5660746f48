using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>Typing and read receipts in transactions, for the ASes that asked for ephemeral events only.</summary>
public sealed class EphemeralTests : IAsyncLifetime
{
    private FakeAppService _eager = null!;
    private FakeAppService _plain = null!;
    private TestRegistration _eagerRegistration = null!;
    private TestRegistration _plainRegistration = null!;
    private TestHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        var (eagerToken, plainToken) = ("hs_" + Guid.NewGuid().ToString("N"), "hs_" + Guid.NewGuid().ToString("N"));
        _eager = await FakeAppService.StartAsync(eagerToken);
        _plain = await FakeAppService.StartAsync(plainToken);
        _eagerRegistration = new TestRegistration("eager", "_eager_bot", "@_eager_.*") { HsToken = eagerToken, Url = _eager.Url, ReceiveEphemeral = true };
        _plainRegistration = new TestRegistration("plain", "_plain_bot", "@_plain_.*") { HsToken = plainToken, Url = _plain.Url };
        _server = await AppServiceRig.StartAsync(_eagerRegistration, _plainRegistration);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _eager.DisposeAsync();
        await _plain.DisposeAsync();
    }

    [Fact]
    public async Task Typing_and_receipts_reach_the_ASes_that_want_them()
    {
        var alice = await _server.NewUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(_eagerRegistration.Sender, roomId)).Ok();
        (await _server.JoinRoomAsync(_plainRegistration.Sender, roomId)).Ok();
        var room = RoomsClient.Path(roomId);

        (await _server.PutAsync(alice, $"/rooms/{room}/typing/{RoomsClient.Path(alice.UserId)}", new JsonObject { ["typing"] = true, ["timeout"] = 10000 })).Ok();
        await _eager.WaitUntilAsync(f => f.EphemeralEvents.Any(e => e["type"]?.GetValue<string>() == "m.typing"
            && e["room_id"]?.GetValue<string>() == roomId && e["content"]!["user_ids"]!.AsArray().Any(u => u!.GetValue<string>() == alice.UserId)), "alice typing");

        var message = (await _server.PutAsync(alice, $"/rooms/{room}/send/m.room.message/r1", new JsonObject { ["msgtype"] = "m.text", ["body"] = "hi" })).Ok()["event_id"]!.GetValue<string>();
        (await _server.PostAsync(alice, $"/rooms/{room}/receipt/m.read/{RoomsClient.Path(message)}", new JsonObject())).Ok();
        await _eager.WaitUntilAsync(f => f.EphemeralEvents.Any(e => e["type"]?.GetValue<string>() == "m.receipt"
            && e["content"]?[message]?["m.read"]?[alice.UserId] is not null), "alice's receipt");

        // The other AS gets the message but no ephemeral event.
        await _plain.WaitForEventAsync(e => e["event_id"]?.GetValue<string>() == message, "the message");
        Assert.Empty(_plain.EphemeralEvents);
    }
}
