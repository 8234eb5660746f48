using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Rooms;

/// <summary>GET /rooms/{roomId}/initialSync: a member's view, a departed member's, a peek into a world-readable room.</summary>
public sealed class RoomInitialSyncTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<MatrixResponse> InitialSyncAsync(TestUser user, string roomId, string query = "") =>
        _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/initialSync{query}", user.AccessToken);

    private static List<string> Bodies(JsonObject answer) =>
        [.. answer["messages"]!["chunk"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>())];

    [Fact]
    public async Task A_member_gets_the_state_the_newest_messages_oldest_first_and_tokens_to_page_on()
    {
        var alice = await _server.CreateUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice);
        for (var i = 0; i < 4; i++) await _server.SendMessageAsync(roomId, alice, $"m{i}");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/rooms/{Uri.EscapeDataString(roomId)}/account_data/x.note",
            new JsonObject { ["n"] = 1 }, alice.AccessToken)).Ok();

        var answer = (await InitialSyncAsync(alice, roomId, "?limit=3")).Ok();
        Assert.Equal(roomId, answer["room_id"]!.GetValue<string>());
        Assert.Equal("join", answer["membership"]!.GetValue<string>());
        Assert.Equal("private", answer["visibility"]!.GetValue<string>());
        Assert.IsType<JsonArray>(answer["presence"]);
        Assert.Equal(["m1", "m2", "m3"], Bodies(answer));
        Assert.Contains(answer["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.create");
        Assert.Contains(answer["account_data"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "x.note" && e["content"]!["n"]!.GetValue<int>() == 1);

        // start pages on backwards into what the chunk left out.
        var start = answer["messages"]!["start"]!.GetValue<string>();
        var earlier = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=1&from={Uri.EscapeDataString(start)}",
            alice.AccessToken)).Ok();
        Assert.Equal("m0", earlier["chunk"]![0]!["content"]!["body"]!.GetValue<string>());
        Assert.NotNull(answer["messages"]!["end"]);

        // The whole room in one answer: start is still there, and nothing comes before it.
        var whole = (await InitialSyncAsync(alice, roomId, "?limit=100")).Ok();
        var first = whole["messages"]!["start"]!.GetValue<string>();
        var before = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&from={Uri.EscapeDataString(first)}",
            alice.AccessToken)).Ok();
        Assert.Empty(before["chunk"]!.AsArray());
    }

    [Fact]
    public async Task A_departed_member_sees_up_to_the_leave_and_an_outsider_is_refused()
    {
        var alice = await _server.CreateUserAsync("alice");
        var bob = await _server.CreateUserAsync("bob");
        var carol = await _server.CreateUserAsync("carol");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.SendMessageAsync(roomId, alice, "before");
        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Leave));
        await _server.SendMessageAsync(roomId, alice, "after");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/presence/{Uri.EscapeDataString(alice.UserId)}/status", new JsonObject { ["presence"] = "online" }, alice.AccessToken)).Ok();

        var answer = (await InitialSyncAsync(bob, roomId)).Ok();
        Assert.Equal("leave", answer["membership"]!.GetValue<string>());
        Assert.Contains("before", Bodies(answer));
        Assert.DoesNotContain("after", Bodies(answer));
        // Nor the members' presence now (as Synapse).
        Assert.Empty(answer["presence"]!.AsArray());

        (await InitialSyncAsync(carol, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await InitialSyncAsync(alice, roomId, "?limit=x")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Anyone_may_peek_into_a_world_readable_room()
    {
        var alice = await _server.CreateUserAsync("alice");
        var carol = await _server.CreateUserAsync("carol");
        var roomId = await _server.CreateRoomAsync(alice, historyVisibility: "world_readable");
        await _server.SendMessageAsync(roomId, alice, "for everyone");

        var answer = (await InitialSyncAsync(carol, roomId)).Ok();
        Assert.Null(answer["membership"]);
        Assert.Contains("for everyone", Bodies(answer));
        Assert.Contains(answer["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.history_visibility");
    }
}
