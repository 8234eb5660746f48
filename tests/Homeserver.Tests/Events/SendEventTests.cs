using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>PUT /rooms/{roomId}/send/{eventType}/{txnId}, and the older POST without a transaction ID.</summary>
public sealed class SendEventTests(EventsServer fixture) : IClassFixture<EventsServer>, IAsyncLifetime
{
    private readonly TestHomeserver _server = fixture.Server;
    private readonly TestUser _alice = fixture.Alice;
    private readonly TestUser _bob = fixture.Bob;
    private string _roomId = null!;

    public async Task InitializeAsync() => _roomId = await fixture.RoomWithBobAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    [Fact]
    public async Task A_message_is_sent_and_served_with_its_transaction_id_to_the_sending_device_only()
    {
        var eventId = (await _server.SendAsync(_alice, _roomId, "m.room.message", Text("hello"), "t-1")).Ok()["event_id"]!.GetValue<string>();
        Assert.StartsWith("$", eventId);

        var mine = (await _server.GetEventAsync(_alice, _roomId, eventId)).Ok();
        Assert.Equal("hello", mine["content"]!["body"]!.GetValue<string>());
        Assert.Equal(_alice.UserId, mine["sender"]!.GetValue<string>());
        Assert.Equal("t-1", mine["unsigned"]!["transaction_id"]!.GetValue<string>());
        var theirs = (await _server.GetEventAsync(_bob, _roomId, eventId)).Ok();
        Assert.Null(theirs["unsigned"]!["transaction_id"]);
    }

    [Fact]
    public async Task The_same_transaction_returns_the_same_event_and_another_transaction_a_new_one()
    {
        var first = (await _server.SendAsync(_alice, _roomId, "m.room.message", Text("once"), "same")).Ok()["event_id"]!.GetValue<string>();
        var retry = (await _server.SendAsync(_alice, _roomId, "m.room.message", Text("once"), "same")).Ok()["event_id"]!.GetValue<string>();
        var other = (await _server.SendAsync(_alice, _roomId, "m.room.message", Text("once"), "other")).Ok()["event_id"]!.GetValue<string>();
        var otherDevice = await _server.CreateUserAsync("alice", deviceId: "PHONE");
        var fromPhone = (await _server.SendAsync(otherDevice, _roomId, "m.room.message", Text("once"), "same")).Ok()["event_id"]!.GetValue<string>();

        Assert.Equal(first, retry);
        Assert.NotEqual(first, other);
        Assert.NotEqual(first, fromPhone);
    }

    [Fact]
    public async Task A_post_without_a_transaction_id_sends_a_new_event_each_time()
    {
        var path = $"{EventsHttp.Room(_roomId)}/send/m.room.message";
        var first = (await _server.Http.PostJsonAsync(path, Text("posted"), _alice.AccessToken)).Ok()["event_id"]!.GetValue<string>();
        var second = (await _server.Http.PostJsonAsync(path, Text("posted"), _alice.AccessToken)).Ok()["event_id"]!.GetValue<string>();
        Assert.NotEqual(first, second);
        var served = (await _server.GetEventAsync(_bob, _roomId, second)).Ok();
        Assert.Equal("posted", served["content"]!["body"]!.GetValue<string>());
        Assert.Null((await _server.GetEventAsync(_alice, _roomId, first)).Ok()["unsigned"]!["transaction_id"]);
        (await _server.Http.SendAsync(HttpMethod.Post, path, null, _alice.AccessToken, rawBody: "not json")).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
    }

    [Fact]
    public async Task A_post_redaction_without_a_transaction_id_redacts()
    {
        var eventId = await _server.SendOkAsync(_alice, _roomId, "m.room.message", Text("to redact"));
        var redaction = (await _server.Http.PostJsonAsync($"{EventsHttp.Room(_roomId)}/redact/{Uri.EscapeDataString(eventId)}", new JsonObject(), _alice.AccessToken))
            .Ok()["event_id"]!.GetValue<string>();
        Assert.NotEqual(eventId, redaction);
        var served = (await _server.GetEventAsync(_bob, _roomId, eventId)).Ok();
        Assert.Empty(served["content"]!.AsObject());
        (await _server.Http.PostJsonAsync($"{EventsHttp.Room(_roomId)}/redact/{Uri.EscapeDataString(eventId)}", new JsonObject { ["reason"] = 5 }, _alice.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Fact]
    public async Task A_state_event_type_sent_here_is_a_message_and_leaves_the_state_alone()
    {
        var eventId = await _server.SendOkAsync(_alice, _roomId, "m.room.name", new JsonObject { ["name"] = "not state" });
        var served = (await _server.GetEventAsync(_alice, _roomId, eventId)).Ok();
        Assert.Null(served["state_key"]);
        var state = await _server.Http.GetJsonAsync($"{EventsHttp.Room(_roomId)}/context/{Uri.EscapeDataString(eventId)}", _alice.AccessToken);
        Assert.DoesNotContain(state.Ok()["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.name");
    }

    [Fact]
    public async Task Content_over_64_KiB_is_413_M_TOO_LARGE_and_nothing_is_sent()
    {
        var response = await _server.SendAsync(_alice, _roomId, "m.room.message", Text(new string('x', 70_000)));
        response.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Fact]
    public async Task A_body_far_over_the_limit_is_refused_before_it_is_read()
    {
        var response = await _server.Http.SendAsync(HttpMethod.Put, $"{EventsHttp.Room(_roomId)}/send/m.room.message/huge",
            accessToken: _alice.AccessToken, rawBody: "{\"body\":\"" + new string('x', 400_000) + "\"}");
        response.IsError(HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
    }

    [Fact]
    public async Task An_event_type_or_transaction_ID_over_255_bytes_is_400_M_INVALID_PARAM()
    {
        (await _server.SendAsync(_alice, _roomId, new string('t', 256), Text("x"))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.SendAsync(_alice, _roomId, "m.room.message", Text("x"), new string('1', 256))).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task A_body_that_is_not_a_JSON_object_is_refused()
    {
        var path = $"{EventsHttp.Room(_roomId)}/send/m.room.message/{EventsHttp.NextTxn()}";
        (await _server.Http.SendAsync(HttpMethod.Put, path, accessToken: _alice.AccessToken, rawBody: "not json")).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.SendAsync(HttpMethod.Put, path, accessToken: _alice.AccessToken, rawBody: "[1]")).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        // Canonical JSON has no floats: the event cannot be built.
        (await _server.SendAsync(_alice, _roomId, "m.room.message", new JsonObject { ["body"] = "x", ["n"] = 1.5 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Fact]
    public async Task Without_an_access_token_the_send_is_401()
    {
        var response = await _server.Http.PutJsonAsync($"{EventsHttp.Room(_roomId)}/send/m.room.message/x", Text("x"));
        response.IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task A_non_member_is_403_and_an_unknown_room_404()
    {
        var carol = fixture.Carol;
        (await _server.SendAsync(carol, _roomId, "m.room.message", Text("let me in"))).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await _server.SendAsync(_alice, "!unknown:localhost", "m.room.message", Text("x"))).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Theory]
    [InlineData("m.room.member")]
    [InlineData("m.room.create")]
    [InlineData("m.room.power_levels")]
    public async Task Protocol_types_without_a_state_key_are_refused_by_the_auth_rules(string type)
    {
        var content = new JsonObject { ["membership"] = "join", ["users"] = new JsonObject { [_bob.UserId] = 100 } };
        (await _server.SendAsync(_bob, _roomId, type, content)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_redaction_can_be_sent_here_with_redacts_in_content()
    {
        var message = await _server.SayAsync(_alice, _roomId, "oops");
        var redaction = await _server.SendOkAsync(_alice, _roomId, "m.room.redaction", new JsonObject { ["redacts"] = message, ["reason"] = "typo" });

        var served = (await _server.GetEventAsync(_alice, _roomId, message)).Ok();
        Assert.Empty(served["content"]!.AsObject());
        Assert.Equal(redaction, served["unsigned"]!["redacted_because"]!["event_id"]!.GetValue<string>());
        Assert.Equal(message, (await _server.GetEventAsync(_alice, _roomId, redaction)).Ok()["redacts"]!.GetValue<string>());
        (await _server.SendAsync(_alice, _roomId, "m.room.redaction", new JsonObject { ["redacts"] = 5 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
    }

    [Theory]
    [InlineData("10", false)]
    [InlineData("11", true)]
    public async Task Redacts_is_moved_where_the_room_version_wants_it(string version, bool inContent)
    {
        var roomId = await _server.CreateRoomAsync(_alice, version: RoomVersions.Find(version));
        var message = await _server.SayAsync(_alice, roomId, "old room");
        var redaction = await _server.SendOkAsync(_alice, roomId, "m.room.redaction", new JsonObject { ["redacts"] = message });

        var served = (await _server.GetEventAsync(_alice, roomId, redaction)).Ok();
        Assert.Equal(message, served["redacts"]!.GetValue<string>());
        Assert.Equal(inContent, served["content"]!["redacts"] is not null);
        Assert.Empty((await _server.GetEventAsync(_alice, roomId, message)).Ok()["content"]!.AsObject());
    }

    [Fact]
    public async Task A_second_identical_annotation_is_400_M_DUPLICATE_ANNOTATION_until_the_first_is_redacted()
    {
        var message = await _server.SayAsync(_alice, _roomId, "react to me");
        JsonObject Reaction() => EventsHttp.Reaction(message, "👍");
        var first = await _server.SendOkAsync(_bob, _roomId, "m.reaction", Reaction());
        (await _server.SendAsync(_bob, _roomId, "m.reaction", Reaction())).IsError(HttpStatusCode.BadRequest, "M_DUPLICATE_ANNOTATION");
        await _server.SendOkAsync(_alice, _roomId, "m.reaction", Reaction());

        (await _server.RedactAsync(_bob, _roomId, first)).Ok();
        await _server.SendOkAsync(_bob, _roomId, "m.reaction", Reaction());
    }

    [Fact]
    public async Task A_retried_annotation_returns_its_first_event_rather_than_a_duplicate_error()
    {
        var message = await _server.SayAsync(_alice, _roomId, "react again");
        var reaction = EventsHttp.Reaction(message, "x");
        var first = (await _server.SendAsync(_bob, _roomId, "m.reaction", reaction, "react-txn")).Ok();
        var retry = (await _server.SendAsync(_bob, _roomId, "m.reaction", reaction, "react-txn")).Ok();
        Assert.Equal(first["event_id"]!.GetValue<string>(), retry["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_thread_cannot_start_from_an_event_with_a_relation_and_relations_need_a_known_parent()
    {
        var root = await _server.SayAsync(_alice, _roomId, "root");
        var reply = await _server.SayAsync(_bob, _roomId, "in thread", EventsHttp.Thread(root));

        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = "nested", ["m.relates_to"] = EventsHttp.Thread(reply) };
        (await _server.SendAsync(_bob, _roomId, "m.room.message", content)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        content["m.relates_to"] = EventsHttp.Thread("$unknown");
        (await _server.SendAsync(_bob, _roomId, "m.room.message", content)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
    }
}
