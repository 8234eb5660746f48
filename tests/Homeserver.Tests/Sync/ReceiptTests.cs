using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>POST /rooms/{roomId}/receipt/..., /read_markers, m.receipt in /sync and unread counts.</summary>
public sealed class ReceiptTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<MatrixResponse> ReceiptAsync(TestUser user, string roomId, string type, string eventId, JsonObject? body = null) =>
        _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{roomId}/receipt/{type}/{Uri.EscapeDataString(eventId)}", body ?? new JsonObject(), user.AccessToken);

    private static JsonObject? ReceiptContent(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId).Events("ephemeral").FirstOrDefault(e => e.Str("type") == "m.receipt")?["content"]?.AsObject();

    private static long Unread(JsonObject sync, string roomId) =>
        sync.JoinedRoom(roomId)!["unread_notifications"]!["notification_count"]!.GetValue<long>();

    private async Task<(TestUser Alice, TestUser Bob, string RoomId)> RoomAsync(string prefix)
    {
        var alice = await _server.CreateUserAsync(prefix + "-alice");
        var bob = await _server.CreateUserAsync(prefix + "-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        return (alice, bob, roomId);
    }

    [Fact]
    public async Task A_public_receipt_reaches_the_other_members()
    {
        var (alice, bob, roomId) = await RoomAsync("rp");
        var eventId = await _server.SendMessageAsync(roomId, alice, "read me");
        var since = (await _server.SyncAsync(alice)).NextBatch();

        var waiting = _server.SyncAsync(alice, since: since, timeoutMs: 30_000);
        await Task.Delay(200);
        (await ReceiptAsync(bob, roomId, "m.read", eventId)).Ok();
        var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        var receipt = ReceiptContent(sync, roomId)![eventId]!["m.read"]![bob.UserId]!;
        Assert.True(receipt["ts"]!.GetValue<long>() > 0);
        Assert.Null(receipt["thread_id"]);
        // The initial sync carries the room's receipts too.
        Assert.NotNull(ReceiptContent(await _server.SyncAsync(alice), roomId)?[eventId]?["m.read"]?[bob.UserId]);
    }

    [Fact]
    public async Task A_private_receipt_is_seen_only_by_its_owner()
    {
        var (alice, bob, roomId) = await RoomAsync("rpriv");
        var eventId = await _server.SendMessageAsync(roomId, alice, "secretly read");
        var aliceSince = (await _server.SyncAsync(alice)).NextBatch();
        var bobSince = (await _server.SyncAsync(bob)).NextBatch();

        (await ReceiptAsync(bob, roomId, "m.read.private", eventId)).Ok();

        Assert.Null(ReceiptContent(await _server.SyncAsync(alice, since: aliceSince), roomId));
        Assert.Null(ReceiptContent(await _server.SyncAsync(alice), roomId)?[eventId]);
        var own = await _server.SyncAsync(bob, since: bobSince);
        Assert.NotNull(ReceiptContent(own, roomId)![eventId]!["m.read.private"]![bob.UserId]);
    }

    [Fact]
    public async Task Receipts_reset_unread_counts_and_never_move_back()
    {
        var (alice, bob, roomId) = await RoomAsync("rc");
        var m1 = await _server.SendMessageAsync(roomId, alice, "1");
        var m2 = await _server.SendMessageAsync(roomId, alice, "2");
        var m3 = await _server.SendMessageAsync(roomId, alice, "3");
        await _server.SendMessageAsync(roomId, bob, "own messages do not count");
        Assert.Equal(3, Unread(await _server.SyncAsync(bob), roomId));
        Assert.Equal(1, Unread(await _server.SyncAsync(alice), roomId));

        (await ReceiptAsync(bob, roomId, "m.read", m2)).Ok();
        Assert.Equal(1, Unread(await _server.SyncAsync(bob), roomId));

        // The same receipt again changes nothing: the others' syncs have nothing new.
        var since = (await _server.SyncAsync(alice))["next_batch"]!.GetValue<string>();
        (await ReceiptAsync(bob, roomId, "m.read", m2)).Ok();
        Assert.Null(ReceiptContent(await _server.SyncAsync(alice, since), roomId));

        // An older receipt does not move the marker back.
        (await ReceiptAsync(bob, roomId, "m.read", m1)).Ok();
        Assert.Equal(1, Unread(await _server.SyncAsync(bob), roomId));
        Assert.NotNull(ReceiptContent(await _server.SyncAsync(alice), roomId)?[m2]);

        // A private receipt further on counts for the user's own counts.
        (await ReceiptAsync(bob, roomId, "m.read.private", m3)).Ok();
        Assert.Equal(0, Unread(await _server.SyncAsync(bob), roomId));
    }

    [Fact]
    public async Task Threaded_receipts_carry_their_thread_and_count_threads_apart()
    {
        var (alice, bob, roomId) = await RoomAsync("rt");
        var root = await _server.SendMessageAsync(roomId, alice, "root");
        var reply = (await _server.SendEventsAsync(roomId, new EventDraft(EventTypes.Message, null, alice.UserId, new JsonObject
        {
            ["msgtype"] = "m.text",
            ["body"] = "in thread",
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root },
        })))[0];
        var main = await _server.SendMessageAsync(roomId, alice, "main again");

        var threaded = await _server.SyncAsync(bob, filter: """{"room":{"timeline":{"unread_thread_notifications":true}}}""");
        var room = threaded.JoinedRoom(roomId)!;
        Assert.Equal(2, room["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.Equal(1, room["unread_thread_notifications"]![root]!["notification_count"]!.GetValue<long>());

        (await ReceiptAsync(bob, roomId, "m.read", reply, new JsonObject { ["thread_id"] = root })).Ok();
        (await ReceiptAsync(bob, roomId, "m.read", main, new JsonObject { ["thread_id"] = "main" })).Ok();
        var read = (await _server.SyncAsync(bob, filter: """{"room":{"timeline":{"unread_thread_notifications":true}}}""")).JoinedRoom(roomId)!;
        Assert.Equal(0, read["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.Null(read["unread_thread_notifications"]);

        var receipts = ReceiptContent(await _server.SyncAsync(alice), roomId)!;
        Assert.Equal(root, receipts[reply]!["m.read"]![bob.UserId]!["thread_id"]!.GetValue<string>());
        Assert.Equal("main", receipts[main]!["m.read"]![bob.UserId]!["thread_id"]!.GetValue<string>());

        // An event outside the thread cannot carry the thread's receipt.
        (await ReceiptAsync(bob, roomId, "m.read", main, new JsonObject { ["thread_id"] = root })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Read_markers_set_receipts()
    {
        var (alice, bob, roomId) = await RoomAsync("rm");
        var eventId = await _server.SendMessageAsync(roomId, alice, "marker");

        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{roomId}/read_markers",
            new JsonObject { ["m.read"] = eventId, ["m.read.private"] = eventId }, bob.AccessToken)).Ok();

        var own = ReceiptContent(await _server.SyncAsync(bob), roomId)!;
        Assert.NotNull(own[eventId]!["m.read"]![bob.UserId]);
        Assert.NotNull(own[eventId]!["m.read.private"]![bob.UserId]);
        Assert.Equal(0, Unread(await _server.SyncAsync(bob), roomId));
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{roomId}/read_markers", new JsonObject { ["m.read"] = 5 }, bob.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task The_marker_and_the_receipt_on_one_event_are_both_set_and_both_checked()
    {
        var (alice, bob, roomId) = await RoomAsync("rm1");
        var outsider = await _server.CreateUserAsync("rm1-outsider");
        var first = await _server.SendMessageAsync(roomId, alice, "first");
        var second = await _server.SendMessageAsync(roomId, alice, "second");
        var markers = $"/_matrix/client/v3/rooms/{roomId}/read_markers";

        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = second, ["m.read"] = second }, bob.AccessToken)).Ok();
        var sync = await _server.SyncAsync(bob);
        Assert.NotNull(ReceiptContent(sync, roomId)![second]!["m.read"]![bob.UserId]);
        Assert.Equal(second, sync.JoinedRoom(roomId).Events("account_data").Single(e => e.Str("type") == "m.fully_read")["content"].Str("event_id"));

        // Back to an older event: neither moves; an unknown event or a non-member is refused before anything is set.
        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = first, ["m.read"] = first }, bob.AccessToken)).Ok();
        var again = await _server.SyncAsync(bob);
        Assert.Equal(second, again.JoinedRoom(roomId).Events("account_data").Single(e => e.Str("type") == "m.fully_read")["content"].Str("event_id"));
        Assert.Equal(0, Unread(again, roomId));
        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = "$unknown", ["m.read"] = "$unknown" }, bob.AccessToken))
            .IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.PostJsonAsync(markers, new JsonObject { ["m.fully_read"] = second, ["m.read"] = second }, outsider.AccessToken))
            .IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Bad_receipts_are_refused()
    {
        var (alice, _, roomId) = await RoomAsync("rx");
        var outsider = await _server.CreateUserAsync("rx-outsider");
        var eventId = await _server.SendMessageAsync(roomId, alice, "x");

        (await ReceiptAsync(alice, roomId, "m.seen", eventId)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ReceiptAsync(alice, roomId, "m.read", "$unknown")).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await ReceiptAsync(outsider, roomId, "m.read", eventId)).IsError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        (await ReceiptAsync(alice, roomId, "m.read", eventId, new JsonObject { ["thread_id"] = "" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ReceiptAsync(alice, roomId, "m.read", eventId, new JsonObject { ["thread_id"] = 7 })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await ReceiptAsync(alice, roomId, "m.fully_read", eventId, new JsonObject { ["thread_id"] = "main" })).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{roomId}/receipt/m.read/{Uri.EscapeDataString(eventId)}", new JsonObject()))
            .IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
    }
}
