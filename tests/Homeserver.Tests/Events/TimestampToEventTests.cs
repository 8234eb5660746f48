using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event.</summary>
public sealed class TimestampToEventTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> LookupAsync(TestUser user, string roomId, params (string, string)[] query) =>
        _server.Http.GetJsonAsync($"{EventsHttp.RoomV1(roomId)}/timestamp_to_event{EventsHttp.Query(query)}", user.AccessToken);

    private async Task<long> TimestampOfAsync(string roomId, string eventId) =>
        (await _server.GetEventAsync(fixture.Alice, roomId, eventId)).Ok()["origin_server_ts"]!.GetValue<long>();

    [Fact]
    public async Task The_closest_event_in_each_direction_is_found()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var first = await _server.SayAsync(fixture.Alice, roomId, "first");
        await Task.Delay(20);
        var second = await _server.SayAsync(fixture.Alice, roomId, "second");
        var firstTs = await TimestampOfAsync(roomId, first);
        var secondTs = await TimestampOfAsync(roomId, second);
        Assert.True(secondTs > firstTs);

        var forwards = (await LookupAsync(fixture.Bob, roomId, ("ts", (firstTs + 1).ToString()), ("dir", "f"))).Ok();
        Assert.Equal(second, forwards["event_id"]!.GetValue<string>());
        Assert.Equal(secondTs, forwards["origin_server_ts"]!.GetValue<long>());

        var backwards = (await LookupAsync(fixture.Bob, roomId, ("ts", (secondTs - 1).ToString()), ("dir", "b"))).Ok();
        Assert.Equal(first, backwards["event_id"]!.GetValue<string>());

        var exact = (await LookupAsync(fixture.Bob, roomId, ("ts", secondTs.ToString()), ("dir", "b"))).Ok();
        Assert.Equal(second, exact["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nothing_in_that_direction_is_404_M_NOT_FOUND()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var last = await _server.SayAsync(fixture.Alice, roomId, "last");
        var ts = await TimestampOfAsync(roomId, last);
        (await LookupAsync(fixture.Bob, roomId, ("ts", (ts + 60_000).ToString()), ("dir", "f"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await LookupAsync(fixture.Bob, roomId, ("ts", "1"), ("dir", "b"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Events_the_user_cannot_see_are_skipped()
    {
        var roomId = await _server.CreateRoomAsync(fixture.Alice, historyVisibility: "joined");
        var hidden = await _server.SayAsync(fixture.Alice, roomId, "before bob");
        await _server.JoinAsync(roomId, fixture.Bob);
        var hiddenTs = await TimestampOfAsync(roomId, hidden);

        var found = (await LookupAsync(fixture.Bob, roomId, ("ts", hiddenTs.ToString()), ("dir", "f"))).Ok();
        Assert.NotEqual(hidden, found["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_parameters_are_400_and_non_members_403()
    {
        var roomId = await fixture.RoomWithBobAsync();
        (await LookupAsync(fixture.Bob, roomId, ("dir", "f"))).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await LookupAsync(fixture.Bob, roomId, ("ts", "soon"), ("dir", "f"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await LookupAsync(fixture.Bob, roomId, ("ts", "1"))).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await LookupAsync(fixture.Bob, roomId, ("ts", "1"), ("dir", "sideways"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await LookupAsync(fixture.Carol, roomId, ("ts", "1"), ("dir", "f"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
