using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>POST /search, on whichever database the suite runs against (FTS5 on SQLite, tsvector on PostgreSQL).</summary>
public sealed class SearchTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> SearchAsync(TestUser user, JsonObject criteria, string? nextBatch = null) =>
        _server.Http.PostJsonAsync("/_matrix/client/v3/search" + (nextBatch is null ? "" : "?next_batch=" + Uri.EscapeDataString(nextBatch)),
            new JsonObject { ["search_categories"] = new JsonObject { ["room_events"] = criteria.DeepClone() } }, user.AccessToken);

    private async Task<JsonObject> RoomEventsAsync(TestUser user, JsonObject criteria, string? nextBatch = null) =>
        (await SearchAsync(user, criteria, nextBatch)).Ok()["search_categories"]!["room_events"]!.AsObject();

    private static JsonObject Term(string term, string roomId, JsonObject? extra = null)
    {
        var criteria = new JsonObject { ["search_term"] = term, ["filter"] = new JsonObject { ["rooms"] = new JsonArray(roomId) } };
        foreach (var (key, value) in extra ?? []) criteria[key] = value?.DeepClone();
        return criteria;
    }

    private static List<string> ResultIds(JsonObject roomEvents) =>
        [.. roomEvents["results"]!.AsArray().Select(r => r!["result"]!["event_id"]!.GetValue<string>())];

    [Fact]
    public async Task Words_match_message_bodies_by_prefix_and_all_words_must_match()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var fox = await _server.SayAsync(fixture.Alice, roomId, "The quick brown fox jumps");
        var dog = await _server.SayAsync(fixture.Bob, roomId, "over the lazy dog");

        var found = await RoomEventsAsync(fixture.Bob, Term("fox", roomId));
        Assert.Equal([fox], ResultIds(found));
        Assert.Equal(1, found["count"]!.GetValue<int>());
        Assert.Contains("fox", found["highlights"]!.AsArray().Select(h => h!.GetValue<string>()));
        Assert.True(found["results"]![0]!["rank"]!.GetValue<double>() > 0);
        Assert.Equal("The quick brown fox jumps", found["results"]![0]!["result"]!["content"]!["body"]!.GetValue<string>());

        Assert.Equal([fox], ResultIds(await RoomEventsAsync(fixture.Bob, Term("QUI", roomId))));
        Assert.Equal([dog], ResultIds(await RoomEventsAsync(fixture.Bob, Term("lazy, dog!", roomId))));
        Assert.Empty(ResultIds(await RoomEventsAsync(fixture.Bob, Term("lazy fox", roomId))));
        Assert.Empty(ResultIds(await RoomEventsAsync(fixture.Bob, Term("  ", roomId))));
    }

    [Fact]
    public async Task Room_names_and_topics_are_searched_under_their_keys()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var name = (await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", fixture.Alice.UserId, new JsonObject { ["name"] = "Astronomy club" })))[0];
        var topic = (await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", fixture.Alice.UserId, new JsonObject
        {
            ["topic"] = "Telescopes",
            ["m.topic"] = new JsonObject { ["m.text"] = new JsonArray(new JsonObject { ["body"] = "Telescopes and nebulae" }) },
        })))[0];
        await _server.SayAsync(fixture.Alice, roomId, "astronomy is fun");

        Assert.Equal([name], ResultIds(await RoomEventsAsync(fixture.Bob, Term("astronomy", roomId, new JsonObject { ["keys"] = new JsonArray("content.name") }))));
        Assert.Equal([topic], ResultIds(await RoomEventsAsync(fixture.Bob, Term("nebulae", roomId))));
        Assert.Equal(2, ResultIds(await RoomEventsAsync(fixture.Bob, Term("astronomy", roomId))).Count);
    }

    [Fact]
    public async Task Recent_order_pages_newest_first_with_next_batch()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++) sent.Add(await _server.SayAsync(fixture.Alice, roomId, $"pagination sample {i}"));

        var criteria = Term("sample", roomId, new JsonObject { ["order_by"] = "recent" });
        criteria["filter"]!["limit"] = 2;
        var seen = new List<string>();
        string? next = null;
        for (var request = 0; request < 10; request++)
        {
            var page = await RoomEventsAsync(fixture.Bob, criteria, next);
            Assert.Equal(5, page["count"]!.GetValue<int>());
            seen.AddRange(ResultIds(page));
            next = page["next_batch"]?.GetValue<string>();
            if (next is null) break;
        }

        Assert.Equal(Enumerable.Reverse(sent), seen);
    }

    [Fact]
    public async Task Rank_order_pages_without_repeats()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++) sent.Add(await _server.SayAsync(fixture.Alice, roomId, string.Join(' ', Enumerable.Repeat("ranked", i + 1)) + " words here"));

        var criteria = Term("ranked", roomId);
        criteria["filter"]!["limit"] = 3;
        var first = await RoomEventsAsync(fixture.Bob, criteria);
        var second = await RoomEventsAsync(fixture.Bob, criteria, first["next_batch"]!.GetValue<string>());
        var all = ResultIds(first).Concat(ResultIds(second)).ToList();
        Assert.Equal(sent.Order(), all.Order());
        Assert.Null(second["next_batch"]);
        var ranks = first["results"]!.AsArray().Concat(second["results"]!.AsArray()).Select(r => r!["rank"]!.GetValue<double>()).ToList();
        Assert.Equal(ranks.OrderDescending(), ranks);
    }

    [Fact]
    public async Task Only_rooms_the_user_is_or_was_in_are_searched_and_history_rules_apply()
    {
        var shared = await fixture.RoomWithBobAsync();
        var aliceOnly = await _server.CreateRoomAsync(fixture.Alice);
        var visible = await _server.SayAsync(fixture.Alice, shared, "zebra crossing");
        await _server.SayAsync(fixture.Alice, aliceOnly, "zebra in private");
        await _server.SendEventsAsync(shared, EventDraft.Member(fixture.Bob.UserId, fixture.Bob.UserId, Memberships.Leave));
        await _server.SayAsync(fixture.Alice, shared, "zebra after bob left");

        var forBob = await RoomEventsAsync(fixture.Bob, new JsonObject { ["search_term"] = "zebra" });
        Assert.Equal([visible], ResultIds(forBob));
        var forAlice = await RoomEventsAsync(fixture.Alice, new JsonObject { ["search_term"] = "zebra", ["order_by"] = "recent" });
        Assert.Equal(3, ResultIds(forAlice).Count);
    }

    [Fact]
    public async Task Redacted_and_encrypted_events_are_not_found()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var message = await _server.SayAsync(fixture.Alice, roomId, "walrus moustache");
        (await _server.RedactAsync(fixture.Alice, roomId, message)).Ok();
        await _server.SendOkAsync(fixture.Alice, roomId, "m.room.encrypted", new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2", ["body"] = "walrus", ["ciphertext"] = "x" });
        Assert.Empty(ResultIds(await RoomEventsAsync(fixture.Bob, Term("walrus", roomId))));
    }

    [Fact]
    public async Task The_filter_narrows_senders_and_types()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var fromAlice = await _server.SayAsync(fixture.Alice, roomId, "penguin from alice");
        var fromBob = await _server.SayAsync(fixture.Bob, roomId, "penguin from bob");

        var criteria = Term("penguin", roomId);
        criteria["filter"]!["senders"] = new JsonArray(fixture.Bob.UserId);
        Assert.Equal([fromBob], ResultIds(await RoomEventsAsync(fixture.Alice, criteria)));
        criteria["filter"]!.AsObject().Remove("senders");
        criteria["filter"]!["not_types"] = new JsonArray("m.room.*");
        Assert.Empty(ResultIds(await RoomEventsAsync(fixture.Alice, criteria)));
        Assert.Equal(2, ResultIds(await RoomEventsAsync(fixture.Alice, Term("penguin", roomId))).Count);
        Assert.NotEqual(fromAlice, fromBob);
    }

    [Fact]
    public async Task Context_profiles_state_and_groups_come_back_when_asked()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice);
        await _server.SendEventsAsync(roomId, EventDraft.Member(fixture.Bob.UserId, fixture.Bob.UserId, Memberships.Join, new JsonObject { ["displayname"] = "Bobby" }));
        var before = await _server.SayAsync(fixture.Alice, roomId, "before the match");
        var match = await _server.SayAsync(fixture.Bob, roomId, "the giraffe is tall");
        var after = await _server.SayAsync(fixture.Alice, roomId, "after the match");

        var criteria = Term("giraffe", roomId, new JsonObject
        {
            ["event_context"] = new JsonObject { ["before_limit"] = 1, ["after_limit"] = 1, ["include_profile"] = true },
            ["include_state"] = true,
            ["groupings"] = new JsonObject { ["group_by"] = new JsonArray(new JsonObject { ["key"] = "room_id" }, new JsonObject { ["key"] = "sender" }) },
        });
        var found = await RoomEventsAsync(fixture.Alice, criteria);

        var context = found["results"]![0]!["context"]!;
        Assert.Equal([before], EventsHttp.EventIds(context["events_before"]));
        Assert.Equal([after], EventsHttp.EventIds(context["events_after"]));
        Assert.Equal("Bobby", context["profile_info"]![fixture.Bob.UserId]!["displayname"]!.GetValue<string>());
        var page = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "f"), ("from", context["end"]!.GetValue<string>()))).Ok();
        Assert.Empty(page["chunk"]!.AsArray());

        Assert.Contains(found["state"]![roomId]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.create");
        Assert.Equal([match], EventsHttp.EventIds(new JsonArray([.. found["groups"]!["room_id"]![roomId]!["results"]!.AsArray()
            .Select(id => (JsonNode)new JsonObject { ["event_id"] = id!.GetValue<string>() })])));
        Assert.Equal(1, found["groups"]!["sender"]![fixture.Bob.UserId]!["order"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("{}", "M_MISSING_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{}}}", "M_MISSING_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{\"search_term\":\"x\",\"order_by\":\"best\"}}}", "M_INVALID_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{\"search_term\":\"x\",\"keys\":[\"content.secret\"]}}}", "M_INVALID_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{\"search_term\":\"x\",\"groupings\":{\"group_by\":[{\"key\":\"type\"}]}}}}", "M_INVALID_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{\"search_term\":\"x\",\"event_context\":{\"before_limit\":-1}}}}", "M_INVALID_PARAM")]
    [InlineData("{\"search_categories\":{\"room_events\":{\"search_term\":7}}}", "M_BAD_JSON")]
    [InlineData("not json", "M_NOT_JSON")]
    public async Task Bad_requests_are_400(string body, string errcode)
    {
        var response = await _server.Http.SendAsync(HttpMethod.Post, "/_matrix/client/v3/search", accessToken: fixture.Alice.AccessToken, rawBody: body);
        response.IsError(HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task A_foreign_next_batch_is_400_and_no_token_401_and_no_category_an_empty_answer()
    {
        (await SearchAsync(fixture.Alice, new JsonObject { ["search_term"] = "x" }, "recent_5")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await SearchAsync(fixture.Alice, new JsonObject { ["search_term"] = "x" }, "garbage")).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.PostJsonAsync("/_matrix/client/v3/search", new JsonObject())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        var empty = (await _server.Http.PostJsonAsync("/_matrix/client/v3/search", new JsonObject { ["search_categories"] = new JsonObject() }, fixture.Alice.AccessToken)).Ok();
        Assert.Empty(empty["search_categories"]!.AsObject());
    }
}
