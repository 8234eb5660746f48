using System.Net;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/threads.</summary>
public sealed class ThreadsTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private Task<MatrixResponse> ThreadsAsync(TestUser user, string roomId, params (string, string)[] query) =>
        _server.Http.GetJsonAsync($"{EventsHttp.RoomV1(roomId)}/threads{EventsHttp.Query(query)}", user.AccessToken);

    [Fact]
    public async Task Threads_are_listed_by_latest_reply_with_their_summaries_and_paginated()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var first = await _server.SayAsync(fixture.Alice, roomId, "thread one");
        var second = await _server.SayAsync(fixture.Alice, roomId, "thread two");
        var third = await _server.SayAsync(fixture.Bob, roomId, "thread three");
        await _server.SayAsync(fixture.Alice, roomId, "not a thread");
        await _server.SayAsync(fixture.Bob, roomId, "in one", EventsHttp.Thread(first));
        await _server.SayAsync(fixture.Bob, roomId, "in three", EventsHttp.Thread(third));
        await _server.SayAsync(fixture.Bob, roomId, "in two", EventsHttp.Thread(second));
        await _server.SayAsync(fixture.Alice, roomId, "in one again", EventsHttp.Thread(first));

        var page1 = (await ThreadsAsync(fixture.Alice, roomId, ("limit", "2"))).Ok();
        Assert.Equal([first, second], EventsHttp.EventIds(page1["chunk"]));
        var summary = page1["chunk"]![0]!["unsigned"]!["m.relations"]!["m.thread"]!;
        Assert.Equal(2, summary["count"]!.GetValue<int>());
        Assert.Equal("in one again", summary["latest_event"]!["content"]!["body"]!.GetValue<string>());

        var page2 = (await ThreadsAsync(fixture.Alice, roomId, ("limit", "2"), ("from", page1["next_batch"]!.GetValue<string>()))).Ok();
        Assert.Equal([third], EventsHttp.EventIds(page2["chunk"]));
        Assert.Null(page2["next_batch"]);
    }

    [Fact]
    public async Task Participated_lists_threads_the_user_started_or_replied_to()
    {
        var roomId = await fixture.RoomWithBobAsync();
        await _server.JoinAsync(roomId, fixture.Carol);
        var started = await _server.SayAsync(fixture.Carol, roomId, "carol's thread");
        var replied = await _server.SayAsync(fixture.Alice, roomId, "alice's thread");
        var other = await _server.SayAsync(fixture.Alice, roomId, "another");
        await _server.SayAsync(fixture.Bob, roomId, "reply", EventsHttp.Thread(started));
        await _server.SayAsync(fixture.Carol, roomId, "carol replies", EventsHttp.Thread(replied));
        await _server.SayAsync(fixture.Bob, roomId, "bob replies", EventsHttp.Thread(other));

        var mine = (await ThreadsAsync(fixture.Carol, roomId, ("include", "participated"))).Ok();
        Assert.Equal([replied, started], EventsHttp.EventIds(mine["chunk"]));
        var all = (await ThreadsAsync(fixture.Carol, roomId, ("include", "all"))).Ok();
        Assert.Equal([other, replied, started], EventsHttp.EventIds(all["chunk"]));
    }

    [Fact]
    public async Task Bad_parameters_are_400_and_non_members_403()
    {
        var roomId = await fixture.RoomWithBobAsync();
        (await ThreadsAsync(fixture.Alice, roomId, ("include", "mine"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ThreadsAsync(fixture.Alice, roomId, ("limit", "0"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ThreadsAsync(fixture.Alice, roomId, ("from", "x"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ThreadsAsync(fixture.Carol, roomId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
