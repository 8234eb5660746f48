using System.Net;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>PUT /rooms/{roomId}/redact/{eventId}/{txnId}, and how redacted events are served.</summary>
public sealed class RedactionTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task The_sender_redacts_their_own_message_and_every_read_path_serves_it_redacted()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var message = await _server.SayAsync(fixture.Bob, roomId, "secret");
        var redaction = (await _server.RedactAsync(fixture.Bob, roomId, message, new JsonObject { ["reason"] = "mine" })).Ok()["event_id"]!.GetValue<string>();

        var served = (await _server.GetEventAsync(fixture.Alice, roomId, message)).Ok();
        Assert.Empty(served["content"]!.AsObject());
        var because = served["unsigned"]!["redacted_because"]!;
        Assert.Equal(redaction, because["event_id"]!.GetValue<string>());
        Assert.Equal("mine", because["content"]!["reason"]!.GetValue<string>());

        var page = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "b"), ("limit", "2"))).Ok();
        var inTimeline = page["chunk"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == message)!;
        Assert.Empty(inTimeline["content"]!.AsObject());
        Assert.Equal(redaction, inTimeline["unsigned"]!["redacted_because"]!["event_id"]!.GetValue<string>());
        Assert.Equal(redaction, inTimeline["unsigned"]!["redacted_by"]!.GetValue<string>());
        Assert.Equal(message, page["chunk"]![0]!["redacts"]!.GetValue<string>());

        // Sync formats its timeline from the rows its timeline query read.
        var synced = (await _server.SyncAsync(fixture.Alice)).JoinedRoom(roomId)!;
        var inSync = synced["timeline"]!["events"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == message)!;
        Assert.Empty(inSync["content"]!.AsObject());
        Assert.Equal(redaction, inSync["unsigned"]!["redacted_because"]!["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_long_poll_after_a_redaction_serves_the_earlier_message_redacted()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var since = (await _server.SyncAsync(fixture.Alice)).NextBatch();
        // Both in the window of the next sync: the message's row, kept in memory by the sends, must not be served as sent.
        var message = await _server.SayAsync(fixture.Bob, roomId, "oops");
        var redaction = (await _server.RedactAsync(fixture.Bob, roomId, message, new JsonObject { ["reason"] = "typo" })).Ok()["event_id"]!.GetValue<string>();

        var timeline = (await _server.SyncAsync(fixture.Alice, since)).JoinedRoom(roomId).Events("timeline");
        var redacted = Assert.Single(timeline, e => e["event_id"]!.GetValue<string>() == message);
        Assert.Empty(redacted["content"]!.AsObject());
        Assert.Equal(redaction, timeline[^1]["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_replaced_state_event_in_a_sync_timeline_carries_what_it_replaced()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var first = await _server.SetStateAsync(fixture.Alice, roomId, "m.room.topic", "", new JsonObject { ["topic"] = "first" });
        var second = await _server.SetStateAsync(fixture.Alice, roomId, "m.room.topic", "", new JsonObject { ["topic"] = "second" });

        var synced = (await _server.SyncAsync(fixture.Bob)).JoinedRoom(roomId)!;
        var inSync = synced["timeline"]!["events"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == second)!;
        Assert.Equal("first", inSync["unsigned"]!["prev_content"]!["topic"]!.GetValue<string>());
        Assert.Equal(first, inSync["unsigned"]!["replaces_state"]!.GetValue<string>());
        Assert.Equal(fixture.Alice.UserId, inSync["unsigned"]!["prev_sender"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_moderator_redacts_others_and_a_member_without_the_redact_level_cannot()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var fromAlice = await _server.SayAsync(fixture.Alice, roomId, "alice says");
        var fromBob = await _server.SayAsync(fixture.Bob, roomId, "bob says");

        (await _server.RedactAsync(fixture.Bob, roomId, fromAlice)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.NotEmpty((await _server.GetEventAsync(fixture.Bob, roomId, fromAlice)).Ok()["content"]!.AsObject());

        (await _server.RedactAsync(fixture.Alice, roomId, fromBob)).Ok();
        Assert.Empty((await _server.GetEventAsync(fixture.Bob, roomId, fromBob)).Ok()["content"]!.AsObject());
    }

    [Fact]
    public async Task An_unknown_event_is_404_without_the_redact_level_and_accepted_with_it()
    {
        var roomId = await fixture.RoomWithBobAsync();
        (await _server.RedactAsync(fixture.Bob, roomId, "$nowhere")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.RedactAsync(fixture.Alice, roomId, "$nowhere")).Ok();
    }

    [Fact]
    public async Task An_event_of_another_room_cannot_be_redacted_from_this_one()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var otherRoom = await _server.CreateRoomAsync(fixture.Bob);
        var elsewhere = await _server.SayAsync(fixture.Bob, otherRoom, "elsewhere");
        (await _server.RedactAsync(fixture.Bob, roomId, elsewhere)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        (await _server.RedactAsync(fixture.Alice, roomId, elsewhere)).IsError(HttpStatusCode.BadRequest, "M_UNKNOWN");
        Assert.NotEmpty((await _server.GetEventAsync(fixture.Bob, otherRoom, elsewhere)).Ok()["content"]!.AsObject());
    }

    [Fact]
    public async Task The_create_event_is_never_redacted()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var context = (await _server.MessagesAsync(fixture.Alice, roomId, ("dir", "f"), ("limit", "1"))).Ok();
        var create = context["chunk"]![0]!;
        Assert.Equal("m.room.create", create["type"]!.GetValue<string>());
        (await _server.RedactAsync(fixture.Alice, roomId, create["event_id"]!.GetValue<string>())).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task A_redaction_transaction_is_idempotent()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var message = await _server.SayAsync(fixture.Bob, roomId, "twice");
        var first = (await _server.RedactAsync(fixture.Bob, roomId, message, txnId: "r1")).Ok()["event_id"]!.GetValue<string>();
        var retry = (await _server.RedactAsync(fixture.Bob, roomId, message, txnId: "r1")).Ok()["event_id"]!.GetValue<string>();
        Assert.Equal(first, retry);
    }

    [Fact]
    public async Task A_reason_that_is_not_a_string_is_400_M_BAD_JSON_and_a_non_member_403()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var message = await _server.SayAsync(fixture.Bob, roomId, "hmm");
        (await _server.RedactAsync(fixture.Bob, roomId, message, new JsonObject { ["reason"] = 3 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.RedactAsync(fixture.Carol, roomId, message)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }
}
