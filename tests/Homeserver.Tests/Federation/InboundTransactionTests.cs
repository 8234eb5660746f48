using System.Net;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Homeserver.FederationApi.Transactions;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Rooms;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>PUT /send on hs1 from hs2 (and hs3): per-PDU answers, the receipt checks, ACLs, idempotency and limits.</summary>
[Collection(FederationEventsCollection.Name)]
public sealed class InboundTransactionTests(FederationEventsFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    [Fact]
    public async Task Good_pdus_land_while_each_bad_one_gets_its_own_answer()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var stranger = await FederationEventsFixture.NewUserAsync(Hs2, "stranger");
        var view = await Hs2.SnapshotAsync(roomId);

        var good = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("good"));
        using var forger = SigningKey.Generate(Hs2KeyVersion());
        var forged = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("forged"), key: forger);
        var tampered = Tamper(Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("secret")));
        var intruder = Hs2.Build(roomId, view, stranger.UserId, EventTypes.Message, null, FederatedRooms.Message("not a member"));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [forged, good, tampered, intruder]);

        Assert.Equal(4, answer.Count);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[good.EventId]), answer.ToJsonString());
        Assert.Contains("signature", Error(answer, forged.EventId), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[tampered.EventId]), answer.ToJsonString());
        // Rejected, yet processed: {} as Synapse answers (the row below says rejected).
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[intruder.EventId]), answer.ToJsonString());

        Assert.Null(await Hs1.EventRowAsync(forged.EventId));
        var goodRow = await Hs1.EventRowAsync(good.EventId);
        Assert.True(goodRow is { Outlier: false, RejectedReason: null });
        // A content hash mismatch: the event is kept, redacted (only its redacted form was trustworthy).
        var tamperedRow = await Hs1.EventRowAsync(tampered.EventId);
        Assert.NotNull(tamperedRow);
        Assert.False(JsonNode.Parse(tamperedRow.Json)!["content"]!.AsObject().ContainsKey("body"));
        var intruderRow = await Hs1.EventRowAsync(intruder.EventId);
        Assert.NotNull(intruderRow?.RejectedReason);
    }

    [Fact]
    public async Task Messages_extending_the_room_land_in_order_with_their_notifications_and_the_next_local_send_builds_on_them()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        // A local send first: the room's head is kept in memory when the remote messages arrive.
        await Hs1.SendMessageAsync(roomId, alice, "before");
        var view = await Hs1.SnapshotAsync(roomId);
        var first = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("linear remote one"));
        var second = Hs2.Build(roomId, view.After(first), bob.UserId, EventTypes.Message, null, FederatedRooms.Message("linear remote two"));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [first, second]);

        Assert.True(JsonNode.DeepEquals(new JsonObject { [first.EventId] = new JsonObject(), [second.EventId] = new JsonObject() }, answer), answer.ToJsonString());
        await using (var db = Hs1.Db())
        {
            var currentGroup = await db.Rooms.Where(r => r.RoomId == roomId).Select(r => r.CurrentStateGroup).SingleAsync();
            var rows = await db.Events.Where(e => e.EventId == first.EventId || e.EventId == second.EventId).OrderBy(e => e.StreamOrdering).ToListAsync();
            Assert.Equal([first.EventId, second.EventId], rows.Select(r => r.EventId));
            Assert.All(rows, r => Assert.True(r is { Outlier: false, SoftFailed: false, RejectedReason: null } && r.StateGroup == currentGroup));
            Assert.Equal([second.EventId], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());
        }

        // Both reach Alice's sync in order, each counted as a notification (a room of two), and are searchable.
        var sync = await Hs1.SyncAsync(alice);
        var timeline = sync.JoinedRoom(roomId).Events("timeline").Select(e => e.Str("event_id")).ToList();
        Assert.True(timeline.IndexOf(first.EventId) >= 0 && timeline.IndexOf(first.EventId) < timeline.IndexOf(second.EventId), string.Join(",", timeline));
        Assert.Equal(2, sync.JoinedRoom(roomId)!["unread_notifications"]!["notification_count"]!.GetValue<long>());
        var search = await Hs1.Http.PostJsonAsync("/_matrix/client/v3/search", new JsonObject
        {
            ["search_categories"] = new JsonObject { ["room_events"] = new JsonObject { ["search_term"] = "linear remote" } },
        }, alice.AccessToken);
        Assert.Equal(2, search.Ok()["search_categories"]!["room_events"]!["count"]!.GetValue<long>());

        // The next local send builds on the last remote message.
        var after = await Hs1.SendMessageAsync(roomId, alice, "after");
        var afterRow = await Hs1.EventRowAsync(after);
        Assert.Equal([second.EventId], JsonNode.Parse(afterRow!.Json)!["prev_events"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task Member_events_extending_the_room_change_its_state_and_members()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        await Hs1.SendMessageAsync(roomId, alice, "before");
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        var view = await Hs1.SnapshotAsync(roomId);
        var join = Hs2.Build(roomId, view, carol.UserId, EventTypes.Member, carol.UserId, FederatedRooms.Membership("join"));
        var named = FederatedRooms.Membership("join");
        named["displayname"] = "Carol of hs2";
        var rename = Hs2.Build(roomId, view.After(join), carol.UserId, EventTypes.Member, carol.UserId, named);

        var answer = await Hs2.PushAsync(Hs1.ServerName, [join, rename]);

        Assert.True(JsonNode.DeepEquals(new JsonObject { [join.EventId] = new JsonObject(), [rename.EventId] = new JsonObject() }, answer), answer.ToJsonString());
        var member = (await Hs1.GetAsync(alice, $"/rooms/{Uri.EscapeDataString(roomId)}/state/m.room.member/{Uri.EscapeDataString(carol.UserId)}")).Ok();
        Assert.Equal("Carol of hs2", member.Str("displayname"));
        var joined = (await Hs1.GetAsync(alice, $"/rooms/{Uri.EscapeDataString(roomId)}/joined_members")).Ok()["joined"]!.AsObject();
        Assert.Equal("Carol of hs2", joined[carol.UserId]!["display_name"]!.GetValue<string>());
        await using (var db = Hs1.Db())
        {
            var rows = await db.Events.Where(e => e.EventId == join.EventId || e.EventId == rename.EventId).OrderBy(e => e.StreamOrdering).ToListAsync();
            Assert.Equal([join.EventId, rename.EventId], rows.Select(r => r.EventId));
            Assert.Equal(join.EventId, rows[1].ReplacesState);
            Assert.Equal(rows[1].StateGroup, await db.Rooms.Where(r => r.RoomId == roomId).Select(r => r.CurrentStateGroup).SingleAsync());
        }

        var timeline = (await Hs1.SyncAsync(alice)).JoinedRoom(roomId).Events("timeline").Select(e => e.Str("event_id")).ToList();
        Assert.True(timeline.IndexOf(join.EventId) >= 0 && timeline.IndexOf(join.EventId) < timeline.IndexOf(rename.EventId), string.Join(",", timeline));
        var after = await Hs1.SendMessageAsync(roomId, alice, "after");
        Assert.Equal([rename.EventId], JsonNode.Parse((await Hs1.EventRowAsync(after))!.Json)!["prev_events"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task An_event_that_evades_a_ban_is_soft_failed()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        var join = Hs2.Build(roomId, await Hs2.SnapshotAsync(roomId), carol.UserId, EventTypes.Member, carol.UserId, FederatedRooms.Membership("join"));
        await Hs2.StoreAsReceivedAsync(join);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), (await Hs2.PushAsync(Hs1.ServerName, [join]))[join.EventId]));

        // Carol's server builds on her join, not having seen the ban.
        var sneaky = Hs2.Build(roomId, await Hs2.SnapshotAsync(roomId), carol.UserId, EventTypes.Message, null, FederatedRooms.Message("still here"));
        await Hs1.SendEventsAsync(roomId, Homeserver.Events.Pipeline.EventDraft.Member(carol.UserId, alice.UserId, Memberships.Ban));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [sneaky]);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[sneaky.EventId]), answer.ToJsonString());
        var row = await Hs1.EventRowAsync(sneaky.EventId);
        Assert.True(row is { SoftFailed: true, RejectedReason: null });
        await using var db = Hs1.Db();
        Assert.False(await db.ForwardExtremities.AnyAsync(f => f.EventId == sneaky.EventId));
    }

    [Fact]
    public async Task A_server_denied_by_the_room_acl_is_refused_as_origin_and_as_sender()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        await Hs1.SendEventsAsync(roomId, Homeserver.Events.Pipeline.EventDraft.State(EventTypes.ServerAcl, "", alice.UserId,
            new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("hs3.test") }));
        var view = await Hs1.SnapshotAsync(roomId);

        var fromHs3 = fixture.Hs3.Build(roomId, view, "@mallory:hs3.test", EventTypes.Member, "@mallory:hs3.test", FederatedRooms.Membership("join"));
        var answer = await fixture.Hs3.PushAsync(Hs1.ServerName, [fromHs3]);
        Assert.Contains("ACL", Error(answer, fromHs3.EventId), StringComparison.Ordinal);

        // Relayed by an allowed server, the PDU's own sender still counts.
        var relayed = fixture.Hs3.Build(roomId, view, "@mallory:hs3.test", EventTypes.Message, null, FederatedRooms.Message("relayed"));
        var good = Hs2.Build(roomId, await Hs2.SnapshotAsync(roomId), bob.UserId, EventTypes.Message, null, FederatedRooms.Message("fine"));
        answer = await Hs2.PushAsync(Hs1.ServerName, [relayed, good]);
        Assert.Contains("ACL", Error(answer, relayed.EventId), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[good.EventId]));
        Assert.Null(await Hs1.EventRowAsync(fromHs3.EventId));
        Assert.Null(await Hs1.EventRowAsync(relayed.EventId));
    }

    [Fact]
    public async Task A_retried_transaction_gets_the_same_answer_and_is_processed_once()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var view = await Hs2.SnapshotAsync(roomId);
        var first = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("once"));
        var other = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("other"));
        var txnId = Guid.NewGuid().ToString("N");

        var answer = await Hs2.PushAsync(Hs1.ServerName, [first], txnId: txnId);
        var again = await Hs2.PushAsync(Hs1.ServerName, [first], txnId: txnId);
        var reused = await Hs2.PushAsync(Hs1.ServerName, [other], txnId: txnId);

        Assert.True(JsonNode.DeepEquals(answer, again));
        Assert.True(JsonNode.DeepEquals(answer, reused));
        Assert.Null(await Hs1.EventRowAsync(other.EventId));
        await using var db = Hs1.Db();
        Assert.Equal(1, await db.Events.CountAsync(e => e.EventId == first.EventId));
    }

    [Fact]
    public async Task Pdus_for_rooms_we_are_not_in_are_answered_or_ignored()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();
        var view = await Hs2.SnapshotAsync(roomId);
        await Hs1.SendEventsAsync(roomId, Homeserver.Events.Pipeline.EventDraft.Member(alice.UserId, alice.UserId, Memberships.Leave));
        var afterLeave = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("anyone?"));
        var unknownRoom = (JsonObject)afterLeave.Json.DeepClone();
        unknownRoom["room_id"] = "!nowhere:hs2.test";

        var body = new JsonObject
        {
            ["origin"] = Hs2.ServerName, ["origin_server_ts"] = 1,
            ["pdus"] = new JsonArray(afterLeave.Json.DeepClone(), unknownRoom),
            ["edus"] = new JsonArray(new JsonObject { ["edu_type"] = "org.example.unknown", ["content"] = new JsonObject { ["a"] = 1 } }),
        };
        var answer = (await SendAsync(Hs2.ServerName, body)).Ok()["pdus"]!.AsObject();
        Assert.Single(answer);
        Assert.Contains("not in the room", Error(answer, afterLeave.EventId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transactions_over_the_limits_or_malformed_are_refused()
    {
        static JsonArray Many(int count, JsonNode item) => new([.. Enumerable.Range(0, count).Select(_ => item.DeepClone())]);
        var pdu = new JsonObject { ["room_id"] = "!r:hs2.test" };
        var edu = new JsonObject { ["edu_type"] = "m.typing", ["content"] = new JsonObject() };

        (await SendAsync(Hs2.ServerName, Body(Many(TransactionBody.MaxPdus + 1, pdu), []))).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(Hs2.ServerName, Body([], Many(TransactionBody.MaxEdus + 1, edu)))).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(Hs2.ServerName, new JsonObject { ["origin"] = "hs2.test", ["origin_server_ts"] = 1 })).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(Hs2.ServerName, Body(new JsonArray(1, 2), []))).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await SendAsync(Hs2.ServerName, Body(Many(TransactionBody.MaxPdus, pdu), Many(TransactionBody.MaxEdus, edu)))).Ok();
    }

    [Fact]
    public async Task An_unauthenticated_transaction_is_refused()
    {
        var body = Body([], []);
        (await fixture.Servers.SendRawAsync("hs1.test", HttpMethod.Put, "/_matrix/federation/v1/send/x", body, null)).IsError(HttpStatusCode.Unauthorized, "M_UNAUTHORIZED");
    }

    private static JsonObject Body(JsonArray pdus, JsonArray edus) => new() { ["origin"] = "hs2.test", ["origin_server_ts"] = 1, ["pdus"] = pdus, ["edus"] = edus };

    private Task<MatrixResponse> SendAsync(string origin, JsonObject body) =>
        fixture.Servers.SendTransactionAsync(origin, "hs1.test", body);

    private static string Error(JsonObject answer, string eventId) =>
        answer[eventId]?["error"]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"no error for {eventId}: {answer.ToJsonString()}");

    /// <summary>Changes a signed event's content: the signature (over the redacted form) still holds, the content hash no longer does.</summary>
    private static Pdu Tamper(Pdu pdu)
    {
        var json = (JsonObject)pdu.Json.DeepClone();
        json["content"]!["body"] = "changed in transit";
        return Pdu.FromJson(json, pdu.EventId, pdu.Version);
    }

    private string Hs2KeyVersion() => fixture.Servers.KeyId("hs2.test").Version;
}
