using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>
/// A message's notification stored once for the members who got the same outcome, with rows of their own for the
/// others: what each member's counts, /notifications and the stored rows say, over HTTP as clients send and read.
/// </summary>
public sealed class SharedNotificationsTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>
{
    private readonly TestHomeserver _server = fixture.Server;
    private int _txn;

    [Fact]
    public async Task One_shared_row_counts_for_the_members_with_the_common_outcome_and_own_rows_for_the_others()
    {
        var (alice, bob, carol, dave, room) = await RoomOfFourAsync();
        // Dave mutes the room: a room rule without actions.
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/pushrules/global/room/{Uri.EscapeDataString(room)}", new JsonObject { ["actions"] = new JsonArray() },
            dave.AccessToken)).Ok();

        var plain = await SendAsync(alice, room, "hello all");
        var mention = await SendAsync(alice, room, "carol, look", new JsonObject { ["user_ids"] = new JsonArray(carol.UserId) });

        Assert.Equal((2, 0), await CountsAsync(bob, room));
        Assert.Equal((2, 1), await CountsAsync(carol, room));
        Assert.Equal((0, 0), await CountsAsync(dave, room));
        Assert.Equal((0, 0), await CountsAsync(alice, room));

        await using var db = _server.Db();
        var shared = await db.Set<RoomPushAction>().Where(r => r.RoomId == room).OrderBy(r => r.StreamOrdering).ToListAsync();
        Assert.Equal([plain], shared.Select(r => r.EventId));
        Assert.Equal(alice.UserId, shared[0].Sender);
        // The plain message: only dave's "not notified" marker. The mention: bob's and carol's outcomes differ (one each), so theirs.
        var own = await db.Database.SqlQuery<OwnRow>($"SELECT user_id, event_id, actions FROM event_push_actions WHERE room_id = {room}")
            .ToListAsync();
        Assert.Equal(
            [(dave.UserId, plain, EventNotifications.NotNotified), (bob.UserId, mention, null), (carol.UserId, mention, null)],
            own.Select(r => (r.UserId, r.EventId, r.Actions == EventNotifications.NotNotified ? r.Actions : null)).OrderBy(r => r.EventId == mention).ThenBy(r => r.UserId));
        Assert.DoesNotContain(own, r => r.UserId == dave.UserId && r.EventId == mention);
    }

    [Fact]
    public async Task A_profile_change_keeps_the_shared_notifications_and_a_later_member_gets_none_of_them()
    {
        var (alice, bob, _, _, room) = await RoomOfFourAsync();
        var hello = await SendAsync(alice, room, "hello");
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(bob.UserId)}/displayname",
            new JsonObject { ["displayname"] = "Robert" }, bob.AccessToken)).Ok();
        var erin = await fixture.NewUserAsync("erin");
        (await _server.Http.PostJsonAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}", new JsonObject(), erin.AccessToken)).Ok();

        Assert.Equal((1, 0), await CountsAsync(bob, room));
        Assert.Equal([hello], await NotifiedAsync(bob));
        Assert.Equal((0, 0), await CountsAsync(erin, room));
        Assert.Empty(await NotifiedAsync(erin));

        // After erin's join the shared rows count for her too.
        var after = await SendAsync(alice, room, "welcome erin");
        Assert.Equal((1, 0), await CountsAsync(erin, room));
        Assert.Equal([after], await NotifiedAsync(erin));
        Assert.Equal([after, hello], await NotifiedAsync(bob));
    }

    private async Task<(TestUser Alice, TestUser Bob, TestUser Carol, TestUser Dave, string Room)> RoomOfFourAsync()
    {
        var alice = await fixture.NewUserAsync("alice");
        var bob = await fixture.NewUserAsync("bob");
        var carol = await fixture.NewUserAsync("carol");
        var dave = await fixture.NewUserAsync("dave");
        var room = await _server.CreateRoomAsync(alice);
        foreach (var member in new[] { bob, carol, dave }) await _server.JoinAsync(room, member);
        return (alice, bob, carol, dave, room);
    }

    private async Task<string> SendAsync(TestUser sender, string room, string body, JsonObject? mentions = null)
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        if (mentions is not null) content["m.mentions"] = mentions;
        var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/shared{Interlocked.Increment(ref _txn)}";
        return (await _server.Http.PutJsonAsync(path, content, sender.AccessToken)).Ok()["event_id"]!.GetValue<string>();
    }

    private async Task<(long Notifications, long Highlights)> CountsAsync(TestUser user, string room)
    {
        var sync = (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=0", user.AccessToken)).Ok();
        var counts = sync["rooms"]!["join"]![room]!["unread_notifications"]!;
        return (counts["notification_count"]!.GetValue<long>(), counts["highlight_count"]!.GetValue<long>());
    }

    private async Task<List<string>> NotifiedAsync(TestUser user) =>
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/notifications", user.AccessToken)).Ok()["notifications"]!.AsArray()
            .Select(n => n!["event"]!["event_id"]!.GetValue<string>()).ToList();

    private sealed record OwnRow(string UserId, string EventId, string Actions);
}
