using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>The client endpoints for ASes: ping, network room directories, third-party lookups, timestamp massaging.</summary>
public sealed class AppServiceEndpointsTests : IAsyncLifetime
{
    private FakeAppService _bridge = null!;
    private TestRegistration _registration = null!;
    private readonly TestRegistration _noUrl = new("nourl", "nourlbot", "@_nourl_.*");
    private TestHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        var hsToken = "hs_" + Guid.NewGuid().ToString("N");
        _bridge = await FakeAppService.StartAsync(hsToken);
        _registration = new TestRegistration("bridge", "_bridge_bot", "@_bridge_.*") { HsToken = hsToken, Url = _bridge.Url, Protocols = ["irc"] };
        _server = await AppServiceRig.StartAsync(_registration, _noUrl);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _bridge.DisposeAsync();
    }

    private static string Ping(string id) => $"/_matrix/client/v1/appservice/{id}/ping";

    [Fact]
    public async Task Ping_reaches_the_AS_and_reports_failures_with_the_spec_codes()
    {
        var answer = (await _server.Http.PostJsonAsync(Ping("bridge"), new JsonObject { ["transaction_id"] = "t1" }, _registration.AsToken)).Ok();
        Assert.True(answer["duration_ms"]!.GetValue<long>() >= 0);
        Assert.Contains("t1", _bridge.Pings);

        (await _server.Http.PostJsonAsync(Ping("bridge"), new JsonObject(), _noUrl.AsToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.Http.PostJsonAsync(Ping("nosuch"), new JsonObject(), _registration.AsToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PostJsonAsync(Ping("nourl"), new JsonObject(), _noUrl.AsToken)).IsError(HttpStatusCode.BadRequest, "M_URL_NOT_SET");
        var alice = await _server.NewUserAsync("alice");
        (await _server.Http.PostJsonAsync(Ping("bridge"), new JsonObject(), alice.AccessToken)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");

        _bridge.Down = true;
        var bad = await _server.Http.PostJsonAsync(Ping("bridge"), new JsonObject(), _registration.AsToken);
        _bridge.Down = false;
        bad.IsError(HttpStatusCode.BadGateway, "M_BAD_STATUS");
        Assert.Equal(503, bad.Object["status"]!.GetValue<int>());
        Assert.Contains("M_UNKNOWN", bad.Object["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ping_of_an_AS_that_does_not_listen_fails_to_connect()
    {
        // A registration whose URL has nothing behind it.
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var gone = new TestRegistration("gone", "gonebot", "@_gone_.*") { Url = $"http://127.0.0.1:{port}" };
        await using var server = await AppServiceRig.StartAsync(gone);
        (await server.Http.PostJsonAsync(Ping("gone"), new JsonObject(), gone.AsToken)).IsError(HttpStatusCode.BadGateway, "M_CONNECTION_FAILED");
    }

    [Fact]
    public async Task An_AS_publishes_rooms_in_its_network_directory()
    {
        var roomId = await _server.CreateRoomAsync(_registration.Sender, new JsonObject { ["name"] = "bridged channel" });
        var alice = await _server.NewUserAsync("alice");
        var path = $"/directory/list/appservice/freenode/{RoomsClient.Path(roomId)}";
        (await _server.PutAsync(alice, path, new JsonObject { ["visibility"] = "public" })).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.PutAsync(_registration.Sender, path, new JsonObject { ["visibility"] = "public" })).Ok();

        async Task<List<string>> ListAsync(JsonObject body) =>
            (await _server.PostAsync(alice, "/publicRooms", body)).Ok()["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>()).ToList();

        Assert.Contains(roomId, await ListAsync(new JsonObject { ["third_party_instance_id"] = "bridge|freenode" }));
        Assert.DoesNotContain(roomId, await ListAsync(new JsonObject { ["third_party_instance_id"] = "bridge|other" }));
        Assert.DoesNotContain(roomId, await ListAsync(new JsonObject()));
        Assert.Contains(roomId, await ListAsync(new JsonObject { ["include_all_networks"] = true }));
        var viaGet = (await _server.GetAsync(alice, "/publicRooms?third_party_instance_id=" + Uri.EscapeDataString("bridge|freenode"))).Ok();
        Assert.Contains(viaGet["chunk"]!.AsArray(), r => r!["room_id"]!.GetValue<string>() == roomId);

        (await _server.PutAsync(_registration.Sender, path, new JsonObject { ["visibility"] = "private" })).Ok();
        Assert.DoesNotContain(roomId, await ListAsync(new JsonObject { ["third_party_instance_id"] = "bridge|freenode" }));
        (await _server.PutAsync(_registration.Sender, "/directory/list/appservice/freenode/" + RoomsClient.Path("!nope:localhost"), new JsonObject()))
            .IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Third_party_lookups_go_to_the_AS_of_the_protocol()
    {
        _bridge.ThirdParty["/protocol/irc"] = JsonNode.Parse("""
            {"user_fields":["network","nickname"],"location_fields":["network","channel"],"icon":"mxc://example.org/irc",
             "field_types":{},"instances":[{"desc":"Freenode","network_id":"freenode","fields":{}}]}
            """)!;
        _bridge.ThirdParty["/location/irc"] = JsonNode.Parse("""[{"alias":"#freenode_#matrix:localhost","protocol":"irc","fields":{"channel":"#matrix"}}]""")!;
        _bridge.ThirdParty["/user/irc"] = JsonNode.Parse("""[{"userid":"@_bridge_nick:localhost","protocol":"irc","fields":{"nickname":"nick"}}]""")!;
        _bridge.ThirdParty["/location"] = JsonNode.Parse("""[{"alias":"#freenode_#matrix:localhost","protocol":"irc","fields":{}}]""")!;
        var alice = await _server.NewUserAsync("alice");

        var protocols = (await _server.GetAsync(alice, "/thirdparty/protocols")).Ok();
        Assert.Equal("bridge|freenode", protocols["irc"]!["instances"]![0]!["instance_id"]!.GetValue<string>());
        Assert.Equal("mxc://example.org/irc", (await _server.GetAsync(alice, "/thirdparty/protocol/irc")).Ok()["icon"]!.GetValue<string>());
        (await _server.GetAsync(alice, "/thirdparty/protocol/xmpp")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");

        var locations = (await _server.GetAsync(alice, "/thirdparty/location/irc?channel=%23matrix")).Body!.AsArray();
        Assert.Equal("#freenode_#matrix:localhost", locations[0]!["alias"]!.GetValue<string>());
        Assert.Contains(_bridge.ThirdPartyQueries, q => q == "/_matrix/app/v1/thirdparty/location/irc?channel=%23matrix");
        var users = (await _server.GetAsync(alice, "/thirdparty/user/irc?nickname=nick")).Body!.AsArray();
        Assert.Equal("@_bridge_nick:localhost", users[0]!["userid"]!.GetValue<string>());
        Assert.Single((await _server.GetAsync(alice, "/thirdparty/location?alias=" + Uri.EscapeDataString("#freenode_#matrix:localhost"))).Body!.AsArray());
        Assert.Empty((await _server.GetAsync(alice, "/thirdparty/user?userid=" + Uri.EscapeDataString("@_bridge_nick:localhost"))).Body!.AsArray());
        (await _server.GetAsync(alice, "/thirdparty/location")).IsError(HttpStatusCode.BadRequest, "M_MISSING_PARAM");
        (await _server.GetAsync(alice, "/thirdparty/user/xmpp")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        Assert.DoesNotContain(_bridge.ThirdPartyQueries, q => q.Contains("access_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_AS_sets_the_timestamp_of_its_sends_and_state_events()
    {
        var roomId = await _server.CreateRoomAsync(_registration.Sender, new JsonObject());
        var room = RoomsClient.Path(roomId);
        var sent = (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/ts1?ts=1000000",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "old" }, _registration.AsToken)).Ok()["event_id"]!.GetValue<string>();
        var state = (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic?ts=2000000",
            new JsonObject { ["topic"] = "older" }, _registration.AsToken)).Ok()["event_id"]!.GetValue<string>();
        Assert.Equal(1000000, (await EventAsync(roomId, sent))["origin_server_ts"]!.GetValue<long>());
        Assert.Equal(2000000, (await EventAsync(roomId, state))["origin_server_ts"]!.GetValue<long>());
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/ts2?ts=soon",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" }, _registration.AsToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");

        // Users cannot.
        var alice = await _server.NewUserAsync("alice");
        var aliceRoom = await _server.CreateRoomAsync(alice, new JsonObject());
        var own = (await _server.PutAsync(alice, $"/rooms/{RoomsClient.Path(aliceRoom)}/send/m.room.message/ts3?ts=1000000",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = "now" })).Ok()["event_id"]!.GetValue<string>();
        Assert.NotEqual(1000000, (await EventAsync(aliceRoom, own, alice.AccessToken))["origin_server_ts"]!.GetValue<long>());
    }

    private async Task<JsonObject> EventAsync(string roomId, string eventId, string? token = null) =>
        (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{RoomsClient.Path(roomId)}/event/{RoomsClient.Path(eventId)}", token ?? _registration.AsToken)).Ok();
}
