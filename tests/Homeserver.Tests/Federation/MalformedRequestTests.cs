using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// A peer's malformed requests, correctly signed (hs2 to hs1, in a room they share): each one is answered with a 4xx and
/// an errcode, or taken as far as it makes sense, and never with a 500; the room goes on working afterwards.
/// </summary>
[Collection(FederationEventsCollection.Name)]
public sealed class MalformedRequestTests(FederationEventsFixture fixture)
{
    private const string V1 = "/_matrix/federation/v1";

    private static string Path(string value) => Uri.EscapeDataString(value);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void NotAFailure(MatrixResponse response, string what)
    {
        Assert.True((int)response.Status < 500, $"{what}: {(int)response.Status} {response.Body?.ToJsonString()}");
        if ((int)response.Status >= 400) Assert.True(response.ErrCode is not null, $"{what}: {(int)response.Status} without an errcode");
    }

    [Fact]
    public async Task Malformed_queries_and_bodies_are_answered_without_a_server_error()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        var eventId = await fixture.Hs1.SendMessageAsync(roomId, alice, "hello");
        var room = Path(roomId);
        var cases = new (HttpMethod Method, string Uri, JsonObject? Body)[]
        {
            (HttpMethod.Get, $"{V1}/event/{Path("not an id")}", null),
            (HttpMethod.Get, $"{V1}/state/{room}?event_id=garbage", null),
            (HttpMethod.Get, $"{V1}/state_ids/{room}", null),
            (HttpMethod.Get, $"{V1}/backfill/{room}?v={Path(eventId)}&limit=abc", null),
            (HttpMethod.Get, $"{V1}/backfill/{room}?limit=5", null),
            (HttpMethod.Get, $"{V1}/backfill/{room}?v=garbage&limit=-5", null),
            (HttpMethod.Post, $"{V1}/get_missing_events/{room}", Json("""{"earliest_events":5,"latest_events":"x","limit":"y"}""")),
            (HttpMethod.Post, $"{V1}/get_missing_events/{room}", Json("""{"earliest_events":[5],"latest_events":[null],"min_depth":"q"}""")),
            (HttpMethod.Get, $"{V1}/event_auth/{room}/{Path("$nope")}", null),
            (HttpMethod.Get, $"{V1}/make_join/{room}/{Path(bob.UserId)}?ver=%00", null),
            (HttpMethod.Get, $"{V1}/make_join/{room}/garbage", null),
            (HttpMethod.Get, $"{V1}/make_leave/{room}/{Path("@x:hs3.test")}", null),
            (HttpMethod.Put, $"/_matrix/federation/v2/send_join/{room}/{Path("$x")}", Json("""{"type":5}""")),
            (HttpMethod.Put, $"/_matrix/federation/v2/send_leave/{room}/{Path("$x")}", Json("""{"content":[]}""")),
            (HttpMethod.Put, $"/_matrix/federation/v2/invite/{room}/{Path("$x")}", Json("""{"event":5,"room_version":[]}""")),
            (HttpMethod.Put, $"/_matrix/federation/v2/invite/{room}/{Path("$x")}", Json("""{"event":{"type":"m.room.member"},"room_version":"12","invite_room_state":5}""")),
            (HttpMethod.Get, $"{V1}/query/profile?user_id=garbage", null),
            (HttpMethod.Get, $"{V1}/query/profile?user_id={Path(alice.UserId)}&field=%00", null),
            (HttpMethod.Get, $"{V1}/query/directory?room_alias=garbage", null),
            (HttpMethod.Post, "/_matrix/federation/v1/user/keys/query", Json("""{"device_keys":{"garbage":5}}""")),
            (HttpMethod.Post, "/_matrix/federation/v1/user/keys/claim", Json("""{"one_time_keys":{"@a:hs1.test":{"D":[]}}}""")),
            (HttpMethod.Get, $"{V1}/user/devices/garbage", null),
            (HttpMethod.Post, $"{V1}/publicRooms", Json("""{"limit":"x","filter":5}""")),
            (HttpMethod.Get, $"{V1}/publicRooms?limit=abc&since=garbage", null),
            (HttpMethod.Get, $"{V1}/hierarchy/{room}?suggested_only=maybe", null),
            (HttpMethod.Get, $"{V1}/timestamp_to_event/{room}?ts=abc&dir=x", null),
            (HttpMethod.Get, $"{V1}/media/download/garbage", null),
            (HttpMethod.Get, $"{V1}/media/thumbnail/garbage?width=-1&height=abc", null),
            (HttpMethod.Put, $"{V1}/exchange_third_party_invite/{room}", Json("""{"type":"m.room.member","content":5}""")),
            (HttpMethod.Get, $"{V1}/openid/userinfo?access_token=%00", null),
        };
        foreach (var (method, uri, body) in cases) NotAFailure(await fixture.Servers.SendSignedAsync("hs2.test", "hs1.test", method, uri, body), $"{method} {uri}");

        // The room still works both ways.
        var after = await fixture.Hs1.SendMessageAsync(roomId, alice, "still here");
        Assert.True(await fixture.Hs2.WaitForTimelineAsync([after]));
    }

    [Fact]
    public async Task A_body_with_a_float_is_bad_json_not_a_bad_signature()
    {
        // A peer whose encoder takes floats signs such a body; it has no canonical form, so it is refused as bad JSON
        // (what SyTest expects of an invite carrying one) rather than as a forged request.
        var (roomId, _, _) = await fixture.SharedRoomAsync();
        var uri = $"/_matrix/federation/v2/invite/{Path(roomId)}/{Path("$x")}";
        var signedWith = Json("""{"event":{"content":{"membership":"invite","bad_val":1}},"room_version":"10"}""");
        var sent = Json("""{"event":{"content":{"membership":"invite","bad_val":1.1}},"room_version":"10"}""");
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Put, uri, sent, fixture.Servers.Sign("hs2.test", "hs1.test", HttpMethod.Put, uri, signedWith)))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        // Without a key of the origin's it stays unauthorized.
        using var other = Matrix.Crypto.SigningKey.Generate("other");
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Put, uri, sent, fixture.Servers.Sign("hs2.test", "hs1.test", HttpMethod.Put, uri, signedWith, other)))
            .IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task A_transaction_of_malformed_pdus_and_edus_is_answered_without_a_server_error()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var transactions = new[]
        {
            Json("""{"origin":"hs2.test","origin_server_ts":1,"pdus":5,"edus":"x"}"""),
            Json("""{"origin":"hs2.test","origin_server_ts":"soon","pdus":[1,"x",null,{},[]]}"""),
            Json($$"""{"origin":"hs2.test","origin_server_ts":1,"pdus":[{"room_id":"{{roomId}}","type":5,"sender":[],"content":"x"}]}"""),
            Json("""{"origin":"hs2.test","origin_server_ts":1,"pdus":[{"room_id":"!unknown:hs1.test","type":"m.room.message","sender":"@x:hs2.test","content":{}}]}"""),
            Json("""
            {"origin":"hs2.test","origin_server_ts":1,"pdus":[],"edus":[
              1, {"edu_type":5}, {"edu_type":"m.typing","content":5},
              {"edu_type":"m.typing","content":{"room_id":5,"user_id":[],"typing":"yes"}},
              {"edu_type":"m.typing","content":{"room_id":"ROOM","user_id":"BOB","typing":true,"timeout":"x"}},
              {"edu_type":"m.receipt","content":{"ROOM":5}},
              {"edu_type":"m.receipt","content":{"ROOM":{"m.read":{"BOB":{"event_ids":5,"data":5}}}}},
              {"edu_type":"m.receipt","content":{"ROOM":{"m.read":{"BOB":{"event_ids":["$nope"],"data":{"ts":"x","thread_id":5}}}}}},
              {"edu_type":"m.presence","content":{"push":5}},
              {"edu_type":"m.presence","content":{"push":[5,{"user_id":5},{"user_id":"BOB","presence":"dancing","last_active_ago":"x"}]}},
              {"edu_type":"m.device_list_update","content":{"user_id":"BOB","device_id":5,"stream_id":"x","prev_id":"y","keys":5}},
              {"edu_type":"m.direct_to_device","content":{"sender":5,"type":[],"message_id":{},"messages":5}},
              {"edu_type":"m.direct_to_device","content":{"sender":"BOB","type":"m.x","message_id":"m1","messages":{"@nobody:hs1.test":5,"garbage":{"*":{}}}}},
              {"edu_type":"m.signing_key_update","content":{"user_id":5,"master_key":"x"}},
              {"edu_type":"m.signing_key_update","content":{"user_id":"BOB","master_key":{"keys":5}}}
            ]}
            """.Replace("ROOM", roomId, StringComparison.Ordinal).Replace("BOB", bob.UserId, StringComparison.Ordinal)),
        };
        foreach (var transaction in transactions)
        {
            NotAFailure(await fixture.Servers.SendTransactionAsync("hs2.test", "hs1.test", transaction), transaction.ToJsonString());
        }

        var after = await fixture.Hs2.SendMessageAsync(roomId, bob, "still here");
        Assert.True(await fixture.Hs1.WaitForTimelineAsync([after]));
    }

    [Fact]
    public async Task A_remote_member_event_with_NUL_in_its_display_name_is_accepted_and_stored()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        var snapshot = await fixture.Hs1.SnapshotAsync(roomId);
        var content = new JsonObject { ["membership"] = "join", ["displayname"] = "B\0b" };
        var rename = fixture.Hs2.Build(roomId, snapshot, bob.UserId, "m.room.member", bob.UserId, content);

        var answer = await fixture.Hs2.PushAsync(fixture.Hs1.ServerName, [rename]);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[rename.EventId]), answer.ToJsonString());
        var members = (await fixture.Hs1.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Path(roomId)}/joined_members", alice.AccessToken)).Ok()["joined"]!;
        // PostgreSQL's copy has U+FFFD where SQLite keeps the NUL; the event keeps it either way.
        Assert.Matches("^B[\0\uFFFD]b$", members[bob.UserId]!["display_name"]!.GetValue<string>());
        var served = (await fixture.Hs1.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Path(roomId)}/event/{Path(rename.EventId)}", alice.AccessToken)).Ok();
        Assert.Equal("B\0b", served["content"]!["displayname"]!.GetValue<string>());
    }
}
