using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.Filters;

namespace Matrix.Homeserver.Tests.Accounts;

/// <summary>The typed filter model: parsing, event matching, wildcards and event_fields.</summary>
public sealed class FilterModelTests
{
    private static JsonObject Event(string type, string sender = "@alice:example.org", string? roomId = null, JsonObject? content = null)
    {
        var ev = new JsonObject { ["type"] = type, ["sender"] = sender, ["content"] = content ?? new JsonObject() };
        if (roomId is not null) ev["room_id"] = roomId;
        return ev;
    }

    private static SyncFilter Parse(string json) => FilterParser.Parse(JsonNode.Parse(json)!.AsObject());

    [Theory]
    [InlineData("m.room.message", "m.room.message", true)]
    [InlineData("m.room.message", "m.room.*", true)]
    [InlineData("m.room.message", "*", true)]
    [InlineData("m.room.message", "m.*.message", true)]
    [InlineData("m.room.message", "m.room", false)]
    [InlineData("m.room.message", "*.member", false)]
    [InlineData("", "*", true)]
    [InlineData("aaa", "a*a*a*a", false)]
    public void Wildcards_match_any_run_of_characters(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(value, pattern));

    [Fact]
    public void Types_and_not_types_with_not_winning()
    {
        var filter = Parse("""{"room": {"timeline": {"types": ["m.room.*"], "not_types": ["m.room.member"]}}}""").Room.Timeline;
        Assert.True(filter.Matches(Event("m.room.message")));
        Assert.False(filter.Matches(Event("m.room.member")));
        Assert.False(filter.Matches(Event("m.reaction")));
    }

    [Fact]
    public void Senders_and_not_senders()
    {
        var filter = Parse("""{"presence": {"senders": ["@alice:example.org", "@bob:example.org"], "not_senders": ["@bob:example.org"]}}""").Presence;
        Assert.True(filter.Matches(Event("m.presence")));
        Assert.False(filter.Matches(Event("m.presence", "@bob:example.org")));
        Assert.False(filter.Matches(Event("m.presence", "@carol:example.org")));
        Assert.False(filter.Matches(new JsonObject { ["type"] = "m.presence" }));
    }

    [Fact]
    public void Rooms_and_contains_url()
    {
        var filter = Parse("""{"room": {"timeline": {"rooms": ["!a:x", "!b:x"], "not_rooms": ["!b:x"], "contains_url": true}}}""").Room.Timeline;
        JsonObject WithUrl() => new() { ["url"] = "mxc://x/y" };
        Assert.True(filter.Matches(Event("m.room.message", roomId: "!a:x", content: WithUrl())));
        Assert.False(filter.Matches(Event("m.room.message", roomId: "!a:x")));
        Assert.False(filter.Matches(Event("m.room.message", roomId: "!b:x", content: WithUrl())));
        Assert.True(filter.IncludesRoom("!a:x"));
        Assert.False(filter.IncludesRoom("!c:x"));
        var noUrl = Parse("""{"room": {"timeline": {"contains_url": false}}}""").Room.Timeline;
        Assert.True(noUrl.Matches(Event("m.room.message")));
        Assert.False(noUrl.Matches(Event("m.room.message", content: WithUrl())));
    }

    [Fact]
    public void The_room_filter_and_sections_are_typed()
    {
        var filter = Parse("""
            {"event_format": "federation", "event_fields": ["type"],
             "room": {"rooms": ["!a:x"], "include_leave": true,
                      "state": {"lazy_load_members": true, "include_redundant_members": true},
                      "timeline": {"limit": 5, "unread_thread_notifications": true},
                      "ephemeral": {"not_types": ["m.typing"]},
                      "account_data": {"types": ["m.tag"]}},
             "account_data": {"limit": 0}}
            """);
        Assert.Equal(EventFormat.Federation, filter.EventFormat);
        Assert.True(filter.Room.IncludeLeave);
        Assert.True(filter.Room.IncludesRoom("!a:x"));
        Assert.False(filter.Room.IncludesRoom("!z:x"));
        Assert.True(filter.Room.State.LazyLoadMembers && filter.Room.State.IncludeRedundantMembers);
        Assert.Equal(5, filter.Room.Timeline.EffectiveLimit(10, 100));
        Assert.True(filter.Room.Timeline.UnreadThreadNotifications);
        Assert.False(filter.Room.Ephemeral.Matches(Event("m.typing")));
        Assert.True(filter.Room.AccountData.Matches(Event("m.tag")));
        Assert.Equal(0, filter.AccountData.Limit);
        Assert.Equal(10, SyncFilter.Default.Room.Timeline.EffectiveLimit(10, 100));
        Assert.Equal(100, Parse("""{"room": {"timeline": {"limit": 5000}}}""").Room.Timeline.EffectiveLimit(10, 100));
    }

    [Fact]
    public void No_filter_lets_everything_through()
    {
        var ev = Event("m.room.message", roomId: "!a:x");
        Assert.True(SyncFilter.Default.Room.Timeline.Matches(ev));
        Assert.Same(ev, SyncFilter.Default.Project(ev));
        Assert.Single(SyncFilter.Default.Presence.Filter([ev]));
    }

    [Fact]
    public void Event_fields_keep_only_the_listed_paths()
    {
        var ev = JsonNode.Parse("""{"type": "m.room.message", "sender": "@a:x", "content": {"body": "hi", "msgtype": "m.text", "m.relates_to": {"rel_type": "m.thread"}}, "unsigned": {"age": 1}}""")!.AsObject();
        var filter = Parse("""{"event_fields": ["type", "content.body", "content.m\\.relates_to", "missing.path"]}""");
        var projected = filter.Project(ev);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"type": "m.room.message", "content": {"body": "hi", "m.relates_to": {"rel_type": "m.thread"}}}"""), projected));
    }

    [Fact]
    public void Dotted_paths_unescape_dots_and_backslashes() =>
        Assert.Equal(["content", "m.relates_to", @"a\b"], EventFields.Split(@"content.m\.relates_to.a\\b"));

    [Fact]
    public void Unknown_members_are_ignored_for_forward_compatibility() =>
        Assert.NotNull(Parse("""{"org.example.future": {"x": 1}, "room": {"timeline": {"org.example.also": true}}}"""));
}
