using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>
/// Request bodies that System.Text.Json reads without complaint until a value is touched (a key twice, invalid UTF-8, an
/// escaped lone surrogate) are refused up front; text with NUL, which PostgreSQL's text refuses, is stored anyway.
/// </summary>
public sealed class UntrustedTextTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Theory]
    [InlineData("{\"msgtype\":\"m.text\",\"body\":\"x\",\"body\":\"y\"}")]
    [InlineData("{\"msgtype\":\"m.text\",\"body\":\"\\ud800\"}")]
    [InlineData("{\"msgtype\":\"m.text\",\"\\udc00\":1}")]
    public async Task A_body_with_a_key_twice_or_a_lone_surrogate_is_400_M_NOT_JSON_and_nothing_is_sent(string body)
    {
        var roomId = await fixture.RoomWithBobAsync();
        var response = await _server.Http.SendAsync(HttpMethod.Put, $"{EventsHttp.Room(roomId)}/send/m.room.message/{EventsHttp.NextTxn()}",
            accessToken: fixture.Alice.AccessToken, rawBody: body);
        response.IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        var messages = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"))).Ok()["chunk"]!.AsArray();
        Assert.DoesNotContain(messages, e => e!["type"]!.GetValue<string>() == "m.room.message");
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_is_400_M_NOT_JSON()
    {
        var roomId = await fixture.RoomWithBobAsync();
        byte[] body = [.. "{\"msgtype\":\"m.text\",\"body\":\""u8, 0xFF, 0xFE, .. "\"}"u8];
        var response = await _server.Http.SendAsync(HttpMethod.Put, $"{EventsHttp.Room(roomId)}/send/m.room.message/{EventsHttp.NextTxn()}",
            accessToken: fixture.Alice.AccessToken, rawBytes: body);
        response.IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Fact]
    public async Task An_inline_filter_with_a_key_twice_is_400_M_NOT_JSON()
    {
        var roomId = await fixture.RoomWithBobAsync();
        const string filter = "{\"limit\":1,\"limit\":2}";
        (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("filter", filter))).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0&filter=" + Uri.EscapeDataString("{\"room\":{},\"room\":{}}"), fixture.Alice.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Fact]
    public async Task A_message_with_NUL_is_sent_served_as_written_and_found_by_search()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var eventId = await _server.SayAsync(fixture.Alice, roomId, "quokka\0wombat");

        var served = (await _server.GetEventAsync(fixture.Bob, roomId, eventId)).Ok();
        Assert.Equal("quokka\0wombat", served["content"]!["body"]!.GetValue<string>());
        var search = new JsonObject
        {
            ["search_categories"] = new JsonObject { ["room_events"] = new JsonObject { ["search_term"] = "wombat", ["filter"] = new JsonObject { ["rooms"] = new JsonArray(roomId) } } },
        };
        var results = (await _server.Http.PostJsonAsync("/_matrix/client/v3/search", search, fixture.Bob.AccessToken)).Ok()["search_categories"]!["room_events"]!["results"]!.AsArray();
        Assert.Equal(eventId, Assert.Single(results)!["result"]!["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Names_with_NUL_are_stored_for_the_profile_the_room_and_the_device()
    {
        var user = await _server.CreateUserAsync("nul-names");
        var roomId = await _server.CreateRoomAsync(fixture.Alice);
        await _server.JoinAsync(roomId, user);

        var profile = $"/_matrix/client/v3/profile/{Uri.EscapeDataString(user.UserId)}";
        (await _server.Http.PutJsonAsync(profile + "/displayname", new JsonObject { ["displayname"] = "Nu\0ll" }, user.AccessToken)).Ok();
        // PostgreSQL's copy has U+FFFD where SQLite keeps the NUL.
        Assert.Matches("^Nu[\0\uFFFD]ll$", (await _server.Http.GetJsonAsync(profile, user.AccessToken)).Ok()["displayname"]!.GetValue<string>());

        var members = (await _server.Http.GetJsonAsync($"{EventsHttp.Room(roomId)}/joined_members", fixture.Alice.AccessToken)).Ok()["joined"]!.AsObject();
        Assert.Matches("^Nu[\0\uFFFD]ll$", members[user.UserId]!["display_name"]!.GetValue<string>());

        var topic = new JsonObject { ["topic"] = "to\0pic" };
        (await _server.Http.PutJsonAsync($"{EventsHttp.Room(roomId)}/state/m.room.topic", topic, fixture.Alice.AccessToken)).Ok();
        Assert.Equal("to\0pic", (await _server.Http.GetJsonAsync($"{EventsHttp.Room(roomId)}/state/m.room.topic", user.AccessToken)).Ok()["topic"]!.GetValue<string>());

        var device = $"/_matrix/client/v3/devices/{Uri.EscapeDataString(user.DeviceId)}";
        (await _server.Http.PutJsonAsync(device, new JsonObject { ["display_name"] = "pho\0ne" }, user.AccessToken)).Ok();
        Assert.Matches("^pho[\0\uFFFD]ne$", (await _server.Http.GetJsonAsync(device, user.AccessToken)).Ok()["display_name"]!.GetValue<string>());
    }
}
