using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>GET /initialSync, the deprecated snapshot older clients and SyTest still read.</summary>
public sealed class LegacyInitialSyncTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static JsonObject? Room(JsonObject answer, string roomId) =>
        answer["rooms"]!.AsArray().OfType<JsonObject>().FirstOrDefault(r => r["room_id"]!.GetValue<string>() == roomId);

    [Fact]
    public async Task Joined_rooms_invites_and_with_archived_left_rooms_come_with_a_token_for_the_event_stream()
    {
        var alice = await _server.CreateUserAsync("alice");
        var bob = await _server.CreateUserAsync("bob");
        var joined = await _server.CreateRoomAsync(alice);
        var left = await _server.CreateRoomAsync(alice);
        var invited = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(joined, bob);
        await _server.JoinAsync(left, bob);
        await _server.SendEventsAsync(left, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Leave));
        await _server.SendEventsAsync(invited, EventDraft.Member(bob.UserId, alice.UserId, Memberships.Invite));
        string last = "";
        for (var i = 0; i < 3; i++) last = await _server.SendMessageAsync(joined, alice, $"m{i}");
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(joined)}/receipt/m.read/{Uri.EscapeDataString(last)}", new JsonObject(), alice.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(bob.UserId)}/account_data/x.global", new JsonObject { ["g"] = 1 }, bob.AccessToken)).Ok();

        var answer = (await _server.Http.GetJsonAsync("/_matrix/client/v3/initialSync?limit=2", bob.AccessToken)).Ok();
        var room = Room(answer, joined)!;
        Assert.Equal("join", room["membership"]!.GetValue<string>());
        Assert.Equal(["m1", "m2"], room["messages"]!["chunk"]!.AsArray().Select(e => e!["content"]!["body"]!.GetValue<string>()));
        Assert.Contains(room["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.join_rules");
        // The pre-r0 event format these endpoints answer in: user_id beside sender, as Synapse's v1 format.
        Assert.All(room["state"]!.AsArray().Concat(room["messages"]!["chunk"]!.AsArray()),
            e => Assert.Equal(e!["sender"]!.GetValue<string>(), e["user_id"]!.GetValue<string>()));
        var invite = Room(answer, invited)!;
        Assert.Equal("invite", invite["membership"]!.GetValue<string>());
        Assert.Equal(bob.UserId, invite["invite"]!["state_key"]!.GetValue<string>());
        Assert.Null(Room(answer, left));
        Assert.Contains(answer["account_data"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "x.global");
        // The joined rooms' receipts, one m.receipt event per room with its room_id.
        var receipt = answer["receipts"]!.AsArray().Single(e => e!["room_id"]!.GetValue<string>() == joined)!;
        Assert.Equal("m.receipt", receipt["type"]!.GetValue<string>());
        Assert.NotNull(receipt["content"]![last]!["m.read"]![alice.UserId]!["ts"]);
        // Bob's own presence, set by nothing but the snapshot (which starts his event stream, as a /sync brings a user
        // online), with user_id in the content as these endpoints' clients read it.
        var own = answer["presence"]!.AsArray().Single(e => e!["content"]!["user_id"]?.GetValue<string>() == bob.UserId)!;
        Assert.Equal("m.presence", own["type"]!.GetValue<string>());
        Assert.Equal("online", own["content"]!["presence"]!.GetValue<string>());
        Assert.NotNull(own["content"]!["last_active_ago"]);

        var archived = (await _server.Http.GetJsonAsync("/_matrix/client/v3/initialSync?archived=true", bob.AccessToken)).Ok();
        Assert.Equal("leave", Room(archived, left)!["membership"]!.GetValue<string>());

        // end is where the event stream goes on from.
        var from = answer["end"]!.GetValue<string>();
        await _server.SendMessageAsync(joined, alice, "after the snapshot");
        var events = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/events?timeout=5000&from={Uri.EscapeDataString(from)}", bob.AccessToken)).Ok();
        Assert.Contains(events["chunk"]!.AsArray(), e => e!["content"]?["body"]?.GetValue<string>() == "after the snapshot");
    }

    [Theory]
    [InlineData("?limit=hello")]
    [InlineData("?archived=maybe")]
    public async Task Malformed_parameters_are_400_M_INVALID_PARAM(string query)
    {
        var alice = await _server.CreateUserAsync("alice");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/initialSync" + query, alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
