using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>GET /events, the deprecated event stream older clients and SyTest's helpers still read (under r0 too).</summary>
public sealed class EventStreamTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonObject> EventsAsync(TestUser user, string query) =>
        (await _server.Http.GetJsonAsync("/_matrix/client/r0/events" + query, user.AccessToken)).Ok();

    /// <summary>Reads the stream from <paramref name="from"/> until <paramref name="found"/> holds for what came (bounded).</summary>
    private async Task<(List<JsonObject> Events, string End)> ReadUntilAsync(TestUser user, string from, Func<List<JsonObject>, bool> found, string extra = "")
    {
        var events = new List<JsonObject>();
        for (var i = 0; i < 20 && !found(events); i++)
        {
            var answer = await EventsAsync(user, $"?timeout=1000&from={Uri.EscapeDataString(from)}{extra}");
            Assert.Equal(from, answer["start"]!.GetValue<string>());
            events.AddRange(answer["chunk"]!.AsArray().OfType<JsonObject>());
            from = answer["end"]!.GetValue<string>();
        }

        return (events, from);
    }

    private static bool Has(List<JsonObject> events, string type, string? roomId = null) =>
        events.Any(e => e["type"]!.GetValue<string>() == type && (roomId is null || e["room_id"]?.GetValue<string>() == roomId));

    [Fact]
    public async Task The_stream_starts_now_and_brings_messages_typing_receipts_and_tags_with_their_room()
    {
        var alice = await _server.CreateUserAsync("alice");
        var bob = await _server.CreateUserAsync("bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.SendMessageAsync(roomId, alice, "before the stream");

        var first = await EventsAsync(bob, "?timeout=0");
        Assert.DoesNotContain(first["chunk"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.message");
        var from = first["end"]!.GetValue<string>();

        var room = Uri.EscapeDataString(roomId);
        var eventId = await _server.SendMessageAsync(roomId, alice, "in the stream");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/typing/{Uri.EscapeDataString(alice.UserId)}",
            new JsonObject { ["typing"] = true, ["timeout"] = 30000 }, alice.AccessToken)).Ok();
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{room}/receipt/m.read/{Uri.EscapeDataString(eventId)}", new JsonObject(), alice.AccessToken)).Ok();
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(bob.UserId)}/rooms/{room}/tags/u.work", new JsonObject(), bob.AccessToken)).Ok();

        var (events, _) = await ReadUntilAsync(bob, from, e => Has(e, "m.room.message") && Has(e, "m.typing") && Has(e, "m.receipt") && Has(e, "m.tag"));
        var message = Assert.Single(events, e => e["type"]!.GetValue<string>() == "m.room.message");
        Assert.Equal(roomId, message["room_id"]!.GetValue<string>());
        Assert.Equal(eventId, message["event_id"]!.GetValue<string>());
        Assert.True(Has(events, "m.typing", roomId) && Has(events, "m.receipt", roomId) && Has(events, "m.tag", roomId));
    }

    [Fact]
    public async Task A_long_poll_is_woken_by_a_message_and_room_id_keeps_one_room()
    {
        var alice = await _server.CreateUserAsync("alice");
        var bob = await _server.CreateUserAsync("bob");
        var watched = await _server.CreateRoomAsync(alice);
        var other = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(watched, bob);
        await _server.JoinAsync(other, bob);
        var from = (await EventsAsync(bob, "?timeout=0"))["end"]!.GetValue<string>();

        var clock = Stopwatch.StartNew();
        var poll = EventsAsync(bob, $"?timeout=20000&room_id={Uri.EscapeDataString(watched)}&from={Uri.EscapeDataString(from)}");
        await Task.Delay(200);
        await _server.SendMessageAsync(other, alice, "elsewhere");
        await _server.SendMessageAsync(watched, alice, "here");
        var answer = await poll;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"answered after {clock.Elapsed}");

        var (events, _) = await ReadUntilAsync(bob, from, e => Has(e, "m.room.message"), $"&room_id={Uri.EscapeDataString(watched)}");
        var bodies = events.Where(e => e["type"]!.GetValue<string>() == "m.room.message").Select(e => e["content"]!["body"]!.GetValue<string>()).ToList();
        Assert.Equal(["here"], bodies);
        Assert.All(events.Where(e => e["room_id"] is not null), e => Assert.Equal(watched, e["room_id"]!.GetValue<string>()));
        Assert.NotNull(answer["end"]);
    }

    [Fact]
    public async Task A_rooms_initial_sync_token_continues_as_the_stream()
    {
        var alice = await _server.CreateUserAsync("alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var initial = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/initialSync", alice.AccessToken)).Ok();
        var from = initial["messages"]!["end"]!.GetValue<string>();
        Assert.Empty((await EventsAsync(alice, $"?timeout=0&room_id={Uri.EscapeDataString(roomId)}&from={Uri.EscapeDataString(from)}"))["chunk"]!.AsArray());

        var eventId = await _server.SendMessageAsync(roomId, alice, "after the initial sync");
        var events = (await EventsAsync(alice, $"?timeout=5000&from={Uri.EscapeDataString(from)}"))["chunk"]!.AsArray().OfType<JsonObject>();
        Assert.Equal([eventId], events.Where(e => e["type"]!.GetValue<string>() == "m.room.message").Select(e => e["event_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_room_the_user_is_not_in_is_refused_unless_world_readable_and_then_nothing_else_comes()
    {
        var alice = await _server.CreateUserAsync("alice");
        var outsider = await _server.CreateUserAsync("outsider");
        var shared = await _server.CreateRoomAsync(alice);
        var open = await _server.CreateRoomAsync(alice, historyVisibility: "world_readable");
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/events?timeout=0&room_id={Uri.EscapeDataString(shared)}", outsider.AccessToken))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(outsider.UserId)}/account_data/x.mine", new JsonObject { ["a"] = 1 }, outsider.AccessToken)).Ok();
        var answer = await EventsAsync(outsider, $"?timeout=0&room_id={Uri.EscapeDataString(open)}&from=s0_0");
        Assert.All(answer["chunk"]!.AsArray(), e => Assert.Equal(open, e!["room_id"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData("?timeout=hello")]
    [InlineData("?timeout=0&limit=hello")]
    [InlineData("?timeout=0&limit=-2")]
    [InlineData("?timeout=0&from=garbage")]
    [InlineData("?timeout=0&room_id=notaroom")]
    public async Task Malformed_parameters_are_400(string query)
    {
        var alice = await _server.CreateUserAsync("alice");
        var response = await _server.Http.GetJsonAsync("/_matrix/client/v3/events" + query, alice.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.NotNull(response.ErrCode);
    }
}
