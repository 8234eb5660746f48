using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>The push feature in /sync: m.push_rules account data, and unread counts from the push rules.</summary>
public sealed class PushSyncTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static JsonObject? PushRules(JsonObject sync) =>
        sync["account_data"]?["events"]?.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => e.Str("type") == "m.push_rules");

    private static JsonObject Unread(JsonObject sync, string roomId) => sync.JoinedRoom(roomId)!["unread_notifications"]!.AsObject();

    private async Task<(TestUser Alice, TestUser Bob, string RoomId)> RoomAsync(string prefix)
    {
        var alice = await _server.CreateUserAsync(prefix + "-alice");
        var bob = await _server.CreateUserAsync(prefix + "-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        return (alice, bob, roomId);
    }

    [Fact]
    public async Task Initial_sync_carries_the_push_rules_and_incremental_syncs_their_changes()
    {
        var alice = await _server.CreateUserAsync("rules-alice");

        var initial = await _server.SyncAsync(alice);
        var rules = PushRules(initial)!["content"]!["global"]!;
        Assert.Contains(rules["override"]!.AsArray(), r => r.Str("rule_id") == ".m.rule.master");
        Assert.Null(PushRules(await _server.SyncAsync(alice, since: initial.NextBatch())));
        Assert.Null(PushRules(await _server.SyncAsync(alice, filter: """{"account_data":{"not_types":["m.push_rules"]}}""")));

        (await _server.Http.PutJsonAsync("/_matrix/client/v3/pushrules/global/content/cheese",
            new JsonObject { ["pattern"] = "cheese", ["actions"] = new JsonArray("notify") }, alice.AccessToken)).Ok();
        var changed = await _server.SyncAsync(alice, since: initial.NextBatch());
        Assert.Contains(PushRules(changed)!["content"]!["global"]!["content"]!.AsArray(), r => r.Str("rule_id") == "cheese");
    }

    [Fact]
    public async Task Mentions_count_as_highlights_and_muted_rooms_count_nothing()
    {
        var (alice, bob, roomId) = await RoomAsync("hl");
        await _server.SendMessageAsync(roomId, alice, "plain");
        await _server.SendEventsAsync(roomId, new EventDraft(EventTypes.Message, null, alice.UserId, new JsonObject
        {
            ["msgtype"] = "m.text",
            ["body"] = "hey you",
            ["m.mentions"] = new JsonObject { ["user_ids"] = new JsonArray(bob.UserId) },
        }));

        var counts = Unread(await _server.SyncAsync(bob), roomId);
        Assert.Equal(2, counts["notification_count"]!.GetValue<long>());
        Assert.Equal(1, counts["highlight_count"]!.GetValue<long>());

        // A room rule without actions mutes the room: later messages are not notifications.
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/pushrules/global/room/{Uri.EscapeDataString(roomId)}",
            new JsonObject { ["actions"] = new JsonArray() }, bob.AccessToken)).Ok();
        await _server.SendMessageAsync(roomId, alice, "muted");
        Assert.Equal(2, Unread(await _server.SyncAsync(bob), roomId)["notification_count"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_room_whose_counts_changed_is_in_the_answer_even_when_the_filter_hides_its_events()
    {
        var (alice, bob, roomId) = await RoomAsync("nc");
        var quiet = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(quiet, bob);
        await _server.SendMessageAsync(quiet, alice, "before the token");
        var filter = """{"room":{"timeline":{"not_types":["m.room.message"]}}}""";
        var first = await _server.SyncAsync(bob, filter: filter);

        await _server.SendMessageAsync(roomId, alice, "hidden by the filter");
        var next = await _server.SyncAsync(bob, since: first.NextBatch(), filter: filter);

        Assert.Empty(next.JoinedRoom(roomId).Events("timeline"));
        Assert.Equal(1, Unread(next, roomId)["notification_count"]!.GetValue<long>());
        // Only the rooms whose counts moved: the other room's notification is older than the token.
        Assert.Null(next.JoinedRoom(quiet));
    }
}
