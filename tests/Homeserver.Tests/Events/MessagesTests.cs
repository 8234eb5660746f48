using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>GET /rooms/{roomId}/messages.</summary>
public sealed class MessagesTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    /// <summary>Follows end tokens until there are none, in a bounded number of requests.</summary>
    private async Task<List<JsonObject>> PageAllAsync(TestUser user, string roomId, string dir, int limit, string? filter = null, string? from = null)
    {
        var all = new List<JsonObject>();
        for (var request = 0; request < 50; request++)
        {
            var query = new List<(string, string)> { ("dir", dir), ("limit", limit.ToString()) };
            if (from is not null) query.Add(("from", from));
            if (filter is not null) query.Add(("filter", filter));
            var page = (await _server.MessagesAsync(user, roomId, [.. query])).Ok();
            Assert.True(page["chunk"]!.AsArray().Count <= limit);
            all.AddRange(page["chunk"]!.AsArray().Select(e => e!.AsObject()));
            if (page["end"] is null) return all;
            from = page["end"]!.GetValue<string>();
        }

        throw new InvalidOperationException("pagination did not end");
    }

    [Fact]
    public async Task Backwards_pages_walk_the_whole_timeline_newest_first_and_end_without_an_end_token()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(25);
        var events = await PageAllAsync(fixture.Bob, roomId, "b", 10);

        var ids = events.Select(e => e["event_id"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var messages = ids.Where(sent.Contains).ToList();
        Assert.Equal(Enumerable.Reverse(sent), messages);
        Assert.Equal("m.room.create", events[^1]["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forwards_pages_start_at_the_room_creation_and_meet_the_backwards_order()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(12);
        var forwards = (await PageAllAsync(fixture.Alice, roomId, "f", 5)).Select(e => e["event_id"]!.GetValue<string>()).ToList();
        var backwards = (await PageAllAsync(fixture.Alice, roomId, "b", 7)).Select(e => e["event_id"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Reverse(backwards), forwards);
        Assert.Equal(sent, forwards.Where(sent.Contains));
    }

    [Fact]
    public async Task Start_echoes_from_and_a_to_token_stops_the_page()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(6);
        var first = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "2"))).Ok();
        Assert.Equal(sent[^2..].AsEnumerable().Reverse(), EventsHttp.EventIds(first["chunk"]));
        var end = first["end"]!.GetValue<string>();

        var next = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("from", end), ("limit", "2"))).Ok();
        Assert.Equal(end, next["start"]!.GetValue<string>());
        Assert.Equal(sent[2..4].AsEnumerable().Reverse(), EventsHttp.EventIds(next["chunk"]));

        // Forwards from the second page's end back up to the first page's end: exactly that gap. As Synapse, a page with
        // events has an end; from it, an empty page without one.
        var gap = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "f"), ("from", next["end"]!.GetValue<string>()), ("to", end), ("limit", "10"))).Ok();
        Assert.Equal(sent[2..4], EventIds(gap));
        var past = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "f"), ("from", gap["end"]!.GetValue<string>()), ("to", end), ("limit", "10"))).Ok();
        Assert.Empty(EventIds(past));
        Assert.Null(past["end"]);
    }

    private static List<string> EventIds(JsonObject page) => EventsHttp.EventIds(page["chunk"]);

    [Fact]
    public async Task Sync_style_tokens_are_accepted()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(3);
        var page = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "1"))).Ok();
        var position = page["end"]!.GetValue<string>();
        var fromSync = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("from", position + "_7_0"), ("limit", "1"))).Ok();
        Assert.Equal([sent[1]], EventIds(fromSync));
    }

    [Fact]
    public async Task A_type_filter_returns_only_matching_events_and_not_senders_removes_senders()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(6);
        var filter = new JsonObject { ["types"] = new JsonArray("m.room.message") }.ToJsonString();
        var messages = await PageAllAsync(fixture.Alice, roomId, "b", 4, filter);
        Assert.Equal(Enumerable.Reverse(sent), messages.Select(e => e["event_id"]!.GetValue<string>()));

        var notBob = new JsonObject { ["types"] = new JsonArray("m.room.message"), ["not_senders"] = new JsonArray(fixture.Bob.UserId) }.ToJsonString();
        var fromAlice = await PageAllAsync(fixture.Alice, roomId, "b", 4, notBob);
        Assert.Equal(["m4", "m2", "m0"], EventsHttp.Bodies(new JsonArray([.. fromAlice.Select(e => (JsonNode)e.DeepClone())])));
    }

    [Fact]
    public async Task Wildcard_filters_that_the_database_cannot_narrow_still_fill_the_page()
    {
        var roomId = await fixture.RoomWithBobAsync();
        for (var i = 0; i < 12; i++)
        {
            await _server.SendMessageAsync(roomId, fixture.Alice, $"text {i}");
            await _server.SendEventsAsync(roomId, new EventDraft("org.example.noise", null, fixture.Alice.UserId, new JsonObject { ["i"] = i }));
        }

        var filter = new JsonObject { ["types"] = new JsonArray("m.room.mess*") }.ToJsonString();
        var page = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "5"), ("filter", filter))).Ok();
        Assert.Equal(["text 11", "text 10", "text 9", "text 8", "text 7"], EventsHttp.Bodies(page["chunk"]));
        Assert.NotNull(page["end"]);
    }

    [Fact]
    public async Task Contains_url_selects_events_by_their_url_key()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var image = await _server.SendOkAsync(fixture.Alice, roomId, "m.room.message",
            new JsonObject { ["msgtype"] = "m.image", ["body"] = "cat.png", ["url"] = "mxc://localhost/cat" });
        var text = await _server.SayAsync(fixture.Alice, roomId, "no url");

        var withUrl = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("filter", "{\"contains_url\":true}"))).Ok();
        Assert.Equal([image], EventIds(withUrl));
        var withoutUrl = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "1"), ("filter", "{\"contains_url\":false}"))).Ok();
        Assert.Equal([text], EventIds(withoutUrl));
    }

    [Fact]
    public async Task Lazy_loading_returns_the_members_of_the_chunk_senders_only()
    {
        var roomId = await fixture.RoomWithBobAsync();
        await _server.JoinAsync(roomId, fixture.Carol);
        await _server.SayAsync(fixture.Bob, roomId, "bob speaks");
        await _server.SayAsync(fixture.Carol, roomId, "carol speaks");

        var filter = "{\"lazy_load_members\":true,\"types\":[\"m.room.message\"]}";
        var page = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "1"), ("filter", filter))).Ok();
        var state = page["state"]!.AsArray();
        var member = Assert.Single(state)!;
        Assert.Equal("m.room.member", member["type"]!.GetValue<string>());
        Assert.Equal(fixture.Carol.UserId, member["state_key"]!.GetValue<string>());

        var withoutLazy = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "1"))).Ok();
        Assert.Null(withoutLazy["state"]);
    }

    [Fact]
    public async Task History_hidden_from_a_late_joiner_is_skipped_without_shortening_pages()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "joined");
        for (var i = 0; i < 30; i++) await _server.SendMessageAsync(roomId, fixture.Alice, $"early {i}");
        await _server.JoinAsync(roomId, fixture.Bob);
        for (var i = 0; i < 3; i++) await _server.SendMessageAsync(roomId, fixture.Alice, $"late {i}");

        var seen = await PageAllAsync(fixture.Bob, roomId, "b", 10);
        Assert.Equal(["late 2", "late 1", "late 0"], EventsHttp.Bodies(new JsonArray([.. seen.Select(e => (JsonNode)e.DeepClone())])));
        // The room's first events came before history_visibility was set (so they were "shared"): those stay visible.
        Assert.Contains(seen, e => e["state_key"]?.GetValue<string>() == fixture.Bob.UserId);
        Assert.Equal("m.room.create", seen[^1]["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_member_who_left_pages_no_further_than_their_leave()
    {
        var roomId = await fixture.RoomWithBobAsync();
        await _server.SayAsync(fixture.Alice, roomId, "while bob is here");
        await _server.SendEventsAsync(roomId, EventDraft.Member(fixture.Bob.UserId, fixture.Bob.UserId, Memberships.Leave));
        await _server.SayAsync(fixture.Alice, roomId, "after bob left");

        var page = (await _server.MessagesAsync(fixture.Bob, roomId, ("dir", "b"), ("limit", "2"))).Ok();
        var chunk = page["chunk"]!.AsArray();
        Assert.Equal("leave", chunk[0]!["content"]!["membership"]!.GetValue<string>());
        Assert.Equal("while bob is here", chunk[1]!["content"]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Someone_never_in_the_room_is_403()
    {
        var roomId = await fixture.RoomWithBobAsync();
        (await _server.MessagesAsync(fixture.Carol, roomId, ("dir", "b"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.MessagesAsync(fixture.Carol, "!nowhere:localhost", ("dir", "b"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_world_readable_room_can_be_read_by_anyone()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "world_readable");
        var message = await _server.SayAsync(fixture.Alice, roomId, "for everyone");
        var page = (await _server.MessagesAsync(fixture.Carol, roomId, ("dir", "b"), ("limit", "1"))).Ok();
        Assert.Equal([message], EventIds(page));
    }

    [Theory]
    [InlineData(null, null, null, null, "M_MISSING_PARAM")]
    [InlineData("x", null, null, null, "M_INVALID_PARAM")]
    [InlineData("b", "ten", null, null, "M_INVALID_PARAM")]
    [InlineData("b", "-1", null, null, "M_INVALID_PARAM")]
    [InlineData("b", null, "garbage", null, "M_INVALID_PARAM")]
    [InlineData("b", null, null, "not json", "M_NOT_JSON")]
    [InlineData("b", null, null, "[1]", "M_BAD_JSON")]
    [InlineData("b", null, null, "{\"types\":5}", "M_BAD_JSON")]
    public async Task Bad_parameters_are_400(string? dir, string? limit, string? from, string? filter, string errcode)
    {
        var roomId = await fixture.RoomWithBobAsync();
        var query = new List<(string, string)>();
        if (dir is not null) query.Add(("dir", dir));
        if (limit is not null) query.Add(("limit", limit));
        if (from is not null) query.Add(("from", from));
        if (filter is not null) query.Add(("filter", filter));
        (await _server.MessagesAsync(fixture.Alice, roomId, [.. query])).IsError(HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task A_limit_of_zero_returns_an_empty_chunk_and_a_filter_limit_lowers_the_limit()
    {
        var (roomId, _) = await fixture.RoomWithMessagesAsync(5);
        var empty = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "0"))).Ok();
        Assert.Empty(empty["chunk"]!.AsArray());
        var limited = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "4"), ("filter", "{\"limit\":2}"))).Ok();
        Assert.Equal(2, limited["chunk"]!.AsArray().Count);
    }
}
