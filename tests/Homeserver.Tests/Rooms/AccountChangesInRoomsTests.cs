using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

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
}
