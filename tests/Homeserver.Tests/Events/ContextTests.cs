using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>GET /rooms/{roomId}/context/{eventId}.</summary>
public sealed class ContextTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> ContextAsync(TestUser user, string roomId, string eventId, params (string, string)[] query) =>
        _server.Http.GetJsonAsync($"{EventsHttp.Room(roomId)}/context/{Uri.EscapeDataString(eventId)}{EventsHttp.Query(query)}", user.AccessToken);

    [Fact]
    public async Task The_limit_is_split_around_the_event_and_the_tokens_continue_with_messages()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(9);
        var context = (await ContextAsync(fixture.Bob, roomId, sent[4], ("limit", "5"))).Ok();

        Assert.Equal(sent[4], context["event"]!["event_id"]!.GetValue<string>());
        Assert.Equal([sent[3], sent[2]], EventsHttp.EventIds(context["events_before"]));
        Assert.Equal([sent[5], sent[6], sent[7]], EventsHttp.EventIds(context["events_after"]));

        var earlier = (await _server.MessagesAsync(fixture.Bob, roomId, ("dir", "b"), ("from", context["start"]!.GetValue<string>()), ("limit", "2"))).Ok();
        Assert.Equal([sent[1], sent[0]], EventsHttp.EventIds(earlier["chunk"]));
        var later = (await _server.MessagesAsync(fixture.Bob, roomId, ("dir", "f"), ("from", context["end"]!.GetValue<string>()))).Ok();
        Assert.Equal([sent[8]], EventsHttp.EventIds(later["chunk"]));
    }

    [Fact]
    public async Task The_state_is_the_state_at_the_last_event_returned_and_lazy_loading_keeps_only_senders()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(3);
        await _server.JoinAsync(roomId, fixture.Carol);

        var full = (await ContextAsync(fixture.Alice, roomId, sent[1], ("limit", "2"))).Ok();
        var types = full["state"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("m.room.create", types);
        Assert.Contains("m.room.power_levels", types);
        var members = full["state"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.member").Select(e => e!["state_key"]!.GetValue<string>());
        // Carol joined after the last event returned (sent[2]).
        Assert.DoesNotContain(fixture.Carol.UserId, members);

        var lazy = (await ContextAsync(fixture.Alice, roomId, sent[1], ("limit", "0"), ("filter", "{\"lazy_load_members\":true}"))).Ok();
        var member = Assert.Single(lazy["state"]!.AsArray())!;
        Assert.Equal(fixture.Bob.UserId, member["state_key"]!.GetValue<string>());
        Assert.Empty(lazy["events_before"]!.AsArray());
        Assert.Empty(lazy["events_after"]!.AsArray());
    }

    [Fact]
    public async Task The_filter_applies_around_the_event_but_not_to_it()
    {
        var (roomId, sent) = await fixture.RoomWithMessagesAsync(6);
        var onlyAlice = new JsonObject { ["senders"] = new JsonArray(fixture.Alice.UserId) }.ToJsonString();
        var context = (await ContextAsync(fixture.Alice, roomId, sent[3], ("limit", "4"), ("filter", onlyAlice))).Ok();
        Assert.Equal(fixture.Bob.UserId, context["event"]!["sender"]!.GetValue<string>());
        Assert.Equal([sent[2], sent[0]], EventsHttp.EventIds(context["events_before"]));
        Assert.Equal([sent[4]], EventsHttp.EventIds(context["events_after"]));
    }

    [Fact]
    public async Task Unknown_or_hidden_events_are_404_and_non_members_403()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "joined");
        var hidden = await _server.SayAsync(fixture.Alice, roomId, "before bob");
        await _server.JoinAsync(roomId, fixture.Bob);

        (await ContextAsync(fixture.Bob, roomId, "$missing")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await ContextAsync(fixture.Bob, roomId, hidden)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await ContextAsync(fixture.Carol, roomId, hidden)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await ContextAsync(fixture.Bob, roomId, hidden, ("limit", "many"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
