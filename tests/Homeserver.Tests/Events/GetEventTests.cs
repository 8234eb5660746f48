using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>GET /rooms/{roomId}/event/{eventId}.</summary>
public sealed class GetEventTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task A_member_gets_the_event_in_the_client_format()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var eventId = await _server.SayAsync(fixture.Alice, roomId, "hi bob");
        var served = (await _server.GetEventAsync(fixture.Bob, roomId, eventId)).Ok();
        Assert.Equal(eventId, served["event_id"]!.GetValue<string>());
        Assert.Equal(roomId, served["room_id"]!.GetValue<string>());
        Assert.Equal("m.room.message", served["type"]!.GetValue<string>());
        Assert.True(served["origin_server_ts"]!.GetValue<long>() > 0);
        Assert.True(served["unsigned"]!["age"]!.GetValue<long>() >= 0);
        Assert.Null(served["hashes"]);
        Assert.Null(served["signatures"]);
    }

    [Fact]
    public async Task A_room_version_3_event_id_with_a_slash_is_found_escaped_in_the_path()
    {
        // Version 3 event IDs are standard base64: about half of them hold a "/", which a path carries as %2F.
        var roomId = await _server.CreateRoomAsync(fixture.Alice, version: Matrix.Federation.Rooms.RoomVersions.Find("3"));
        string? withSlash = null;
        for (var i = 0; i < 40 && withSlash is null; i++)
        {
            var eventId = await _server.SayAsync(fixture.Alice, roomId, $"message {i}");
            if (eventId.Contains('/')) withSlash = eventId;
        }

        Assert.NotNull(withSlash);
        var served = (await _server.GetEventAsync(fixture.Alice, roomId, withSlash)).Ok();
        Assert.Equal(withSlash, served["event_id"]!.GetValue<string>());
        (await _server.RedactAsync(fixture.Alice, roomId, withSlash)).Ok();
    }

    [Fact]
    public async Task Unknown_events_and_events_of_another_room_are_404()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var otherRoom = await _server.CreateRoomAsync(fixture.Bob);
        var elsewhere = await _server.SayAsync(fixture.Bob, otherRoom, "elsewhere");
        (await _server.GetEventAsync(fixture.Bob, roomId, "$missing")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.GetEventAsync(fixture.Bob, roomId, elsewhere)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Events_hidden_by_history_visibility_are_404()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "joined");
        var before = await _server.SayAsync(fixture.Alice, roomId, "before bob joined");
        await _server.JoinAsync(roomId, fixture.Bob);
        var after = await _server.SayAsync(fixture.Alice, roomId, "after bob joined");

        (await _server.GetEventAsync(fixture.Bob, roomId, before)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.GetEventAsync(fixture.Bob, roomId, after)).Ok();
        (await _server.GetEventAsync(fixture.Carol, roomId, after)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        var response = await _server.Http.GetJsonAsync($"{EventsHttp.Room("!r:localhost")}/event/$e");
        response.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
