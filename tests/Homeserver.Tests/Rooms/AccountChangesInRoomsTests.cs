using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>Profile changes reach the member events of joined rooms; deactivation leaves every room.</summary>
public sealed class AccountChangesInRoomsTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_new_display_name_and_avatar_are_sent_into_joined_rooms()
    {
        var alice = await _server.RegisterAsync("profiled");
        var roomId = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var before = (await _server.EventOrderAsync(roomId)).Count;

        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/profile/{alice.UserId}/displayname",
            new JsonObject { ["displayname"] = "Alice A." }, alice.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/profile/{alice.UserId}/avatar_url",
            new JsonObject { ["avatar_url"] = "mxc://localhost/alice" }, alice.AccessToken)).Ok();

        var member = (await _server.StateContentAsync(alice, roomId, "m.room.member", alice.UserId))!;
        Assert.Equal("join", member["membership"]!.GetValue<string>());
        Assert.Equal("Alice A.", member["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/alice", member["avatar_url"]!.GetValue<string>());
        Assert.Equal(before + 2, (await _server.EventOrderAsync(roomId)).Count);
    }

    [Fact]
    public async Task A_deactivated_account_leaves_its_rooms_and_declines_invites()
    {
        var alice = await _server.NewUserAsync("alice");
        var bob = await _server.RegisterAsync("leaving");
        var joined = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        var invited = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        (await _server.JoinRoomAsync(bob, joined)).Ok();
        (await _server.PostAsync(alice, $"/rooms/{RoomsClient.Path(invited)}/invite", new JsonObject { ["user_id"] = bob.UserId })).Ok();

        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), bob.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.Status);
        var body = new JsonObject { ["auth"] = bob.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", body, bob.AccessToken)).Ok();

        foreach (var roomId in new[] { joined, invited })
        {
            var member = (await _server.StateContentAsync(alice, roomId, "m.room.member", bob.UserId))!;
            Assert.Equal("leave", member["membership"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task An_erased_users_messages_are_pruned_for_those_who_were_not_there_but_not_for_those_who_were()
    {
        // Spec, POST /account/deactivate "erase": who saw the events keeps seeing them; who joins later gets them redacted.
        var alice = await _server.NewUserAsync("era_alice");
        var member = await _server.NewUserAsync("era_member");
        var joiner = await _server.NewUserAsync("era_joiner");
        var eraser = await _server.RegisterAsync("era_eraser");
        var room = await _server.CreateRoomAsync(alice, new JsonObject { ["preset"] = "public_chat" });
        (await _server.JoinRoomAsync(member, room)).Ok();
        (await _server.JoinRoomAsync(eraser, room)).Ok();
        var message = (await _server.PostAsync(eraser, $"/rooms/{RoomsClient.Path(room)}/send/m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "forget me" }))
            .Ok()["event_id"]!.GetValue<string>();
        (await _server.JoinRoomAsync(joiner, room)).Ok();

        var challenge = await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", new JsonObject(), eraser.AccessToken);
        var body = new JsonObject { ["erase"] = true, ["auth"] = eraser.PasswordAuth(challenge.Object["session"]!.GetValue<string>()) };
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/account/deactivate", body, eraser.AccessToken)).Ok();

        async Task<JsonObject?> ContentSeenByAsync(TestUser viewer) =>
            (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{RoomsClient.Path(room)}/event/{Uri.EscapeDataString(message)}", viewer.AccessToken)).Ok()["content"] as JsonObject;
        Assert.Equal("forget me", (await ContentSeenByAsync(member))!["body"]!.GetValue<string>());
        Assert.Empty((await ContentSeenByAsync(joiner))!);
        // /sync's timeline comes through the same loader.
        var timeline = (await _server.SyncAsync(joiner)).JoinedRoom(room).Events("timeline");
        Assert.Empty(timeline.Single(e => e["event_id"]!.GetValue<string>() == message)["content"]!.AsObject());
    }
}
