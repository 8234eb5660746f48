using System.Net;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>GET /sync over HTTP: joined rooms, incremental syncs, limited timelines, membership sections.</summary>
public sealed class SyncRoomsTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_rejoined_private_history_room_shows_current_state_from_the_absence_but_no_messages()
    {
        // As Synapse: current state is always in a sync timeline (the spec's state rules would otherwise hide who joined
        // while the user was away, since the rejoin's timeline holds it), messages of the absence stay hidden.
        var alice = await _server.CreateUserAsync("rejoin-alice");
        var bob = await _server.CreateUserAsync("rejoin-bob");
        var carol = await _server.CreateUserAsync("rejoin-carol");
        var roomId = await _server.CreateRoomAsync(alice, joinRule: "public", historyVisibility: "joined");
        await _server.JoinAsync(roomId, bob);
        var since = (await _server.SyncAsync(bob)).NextBatch();
        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Leave));
        var carolJoin = (await _server.JoinAsync(roomId, carol))[0];
        var secret = await _server.SendMessageAsync(roomId, alice, "while bob was away");
        await _server.JoinAsync(roomId, bob);

        var timeline = (await _server.SyncAsync(bob, since)).JoinedRoom(roomId).EventIds("timeline");
        Assert.Contains(carolJoin, timeline);
        Assert.DoesNotContain(secret, timeline);
    }

    [Fact]
    public async Task An_incremental_syncs_prev_batch_pages_back_to_what_the_previous_sync_held()
    {
        var alice = await _server.CreateUserAsync("prevbatch-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SendMessageAsync(roomId, alice, "1");
        var since = (await _server.SyncAsync(alice)).NextBatch();
        var second = await _server.SendMessageAsync(roomId, alice, "2");

        var room = (await _server.SyncAsync(alice, since)).JoinedRoom(roomId);
        Assert.Equal([second], room.EventIds("timeline"));
        var prevBatch = room!["timeline"]!["prev_batch"]!.GetValue<string>();
        var page = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=1&from={Uri.EscapeDataString(prevBatch)}",
            alice.AccessToken)).Ok();
        Assert.Equal([first], page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        Assert.NotNull(page["start"]);
        Assert.NotNull(page["end"]);
    }

    [Fact]
    public async Task Initial_sync_shows_joined_rooms_with_state_and_timeline()
    {
        var alice = await _server.CreateUserAsync("init-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var messageId = await _server.SendMessageAsync(roomId, alice, "hello");

        var sync = await _server.SyncAsync(alice);

        Assert.StartsWith("s", sync.NextBatch());
        var room = sync.JoinedRoom(roomId);
        Assert.NotNull(room);
        var timeline = room.EventIds("timeline");
        Assert.Equal(messageId, timeline[^1]);
        // A small room fits in the timeline: everything is there, in order, and the state before it is empty.
        Assert.Equal(6, timeline.Count);
        Assert.Equal(EventTypes.Create, room.Events("timeline")[0].Str("type"));
        Assert.False(room["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Empty(room.Events("state"));
        Assert.All(room.Events("timeline"), e => Assert.Null(e["room_id"]));
        Assert.Equal(1, room["summary"]!["m.joined_member_count"]!.GetValue<int>());
        Assert.NotNull(room["unread_notifications"]);
        Assert.NotNull(sync["device_one_time_keys_count"]);
    }

    [Fact]
    public async Task Initial_sync_of_a_busy_room_is_limited_with_state_at_the_timeline_start()
    {
        var alice = await _server.CreateUserAsync("busy-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var sent = new List<string>();
        for (var i = 0; i < 15; i++) sent.Add(await _server.SendMessageAsync(roomId, alice, $"m{i}"));

        var sync = await _server.SyncAsync(alice);

        var room = sync.JoinedRoom(roomId);
        Assert.Equal(sent[^10..], room.EventIds("timeline"));
        Assert.True(room!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.NotNull(room.StateEvent(EventTypes.Create));
        Assert.NotNull(room.StateEvent(EventTypes.Member, alice.UserId));
        Assert.NotNull(room.StateEvent(EventTypes.PowerLevels));
        Assert.StartsWith("s", room["timeline"]!["prev_batch"]!.GetValue<string>());
    }

    [Fact]
    public async Task Initial_sync_of_several_rooms_gives_each_room_its_own_newest_events()
    {
        // Sends interleaved across rooms: one window over every room (PostgreSQL's LATERAL read) must still give each its own page.
        var alice = await _server.CreateUserAsync("rooms-alice");
        var first = await _server.CreateRoomAsync(alice);
        var second = await _server.CreateRoomAsync(alice);
        var quiet = await _server.CreateRoomAsync(alice);
        var sentFirst = new List<string>();
        var sentSecond = new List<string>();
        for (var i = 0; i < 15; i++)
        {
            sentFirst.Add(await _server.SendMessageAsync(first, alice, $"a{i}"));
            if (i < 12) sentSecond.Add(await _server.SendMessageAsync(second, alice, $"b{i}"));
        }

        var quietMessage = await _server.SendMessageAsync(quiet, alice, "only one");

        var sync = await _server.SyncAsync(alice);

        Assert.Equal(sentFirst[^10..], sync.JoinedRoom(first).EventIds("timeline"));
        Assert.True(sync.JoinedRoom(first)!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Equal(sentSecond[^10..], sync.JoinedRoom(second).EventIds("timeline"));
        Assert.True(sync.JoinedRoom(second)!["timeline"]!["limited"]!.GetValue<bool>());
        var quietTimeline = sync.JoinedRoom(quiet).EventIds("timeline");
        Assert.Equal(6, quietTimeline.Count);
        Assert.Equal(quietMessage, quietTimeline[^1]);
        Assert.False(sync.JoinedRoom(quiet)!["timeline"]!["limited"]!.GetValue<bool>());

        // An incremental sync reads the rooms that moved with the same window: only what came after the token.
        var newFirst = await _server.SendMessageAsync(first, alice, "a-new");
        var newSecond = new[] { await _server.SendMessageAsync(second, alice, "b-new-1"), await _server.SendMessageAsync(second, alice, "b-new-2") };
        var next = await _server.SyncAsync(alice, since: sync.NextBatch());
        Assert.Equal([newFirst], next.JoinedRoom(first).EventIds("timeline"));
        Assert.Equal(newSecond, next.JoinedRoom(second).EventIds("timeline"));
        Assert.Null(next.Section("join", quiet));
    }

    [Fact]
    public async Task Incremental_sync_shows_only_new_events()
    {
        var alice = await _server.CreateUserAsync("incr-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var quietRoom = await _server.CreateRoomAsync(alice);
        var first = await _server.SyncAsync(alice);

        var messageId = await _server.SendMessageAsync(roomId, alice, "new");
        var second = await _server.SyncAsync(alice, since: first.NextBatch());

        var room = second.JoinedRoom(roomId);
        Assert.Equal([messageId], room.EventIds("timeline"));
        Assert.False(room!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Empty(room.Events("state"));
        Assert.Null(second.JoinedRoom(quietRoom));

        var third = await _server.SyncAsync(alice, since: second.NextBatch());
        Assert.Null(third.JoinedRoom(roomId));
    }

    [Fact]
    public async Task Gappy_incremental_sync_is_limited_and_carries_the_state_changed_in_the_gap()
    {
        var alice = await _server.CreateUserAsync("gap-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SyncAsync(alice);

        var topic = (await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", alice.UserId, new JsonObject { ["topic"] = "gap" })))[0];
        var sent = new List<string>();
        for (var i = 0; i < 12; i++) sent.Add(await _server.SendMessageAsync(roomId, alice, $"m{i}"));
        var filter = """{"room":{"timeline":{"limit":5}}}""";
        var second = await _server.SyncAsync(alice, since: first.NextBatch(), filter: filter);

        var room = second.JoinedRoom(roomId);
        Assert.Equal(sent[^5..], room.EventIds("timeline"));
        Assert.True(room!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Equal(topic, room.StateEvent(EventTypes.Topic).Str("event_id"));
        Assert.Single(room.Events("state"));

        // prev_batch is a stream token between the gap and the timeline: paging back from it
        // (/messages from=prev_batch to=since) returns exactly the events left out.
        Assert.True(RoomStreamToken.TryParse(room["timeline"]!["prev_batch"]!.GetValue<string>(), out var prev));
        Assert.True(RoomStreamToken.TryParse(first.NextBatch(), out var since));
        var factory = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var gap = await db.Events.Where(e => e.RoomId == roomId && e.StreamOrdering > since.Position && e.StreamOrdering <= prev.Position)
            .OrderBy(e => e.StreamOrdering).Select(e => e.EventId).ToListAsync();
        Assert.Equal([topic, .. sent[..^5]], gap);
    }

    [Fact]
    public async Task Own_sends_carry_their_transaction_id_for_the_sending_device_only()
    {
        var alice = await _server.CreateUserAsync("txn-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var draft = new EventDraft(EventTypes.Message, null, alice.UserId, new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" })
        {
            Transaction = new ClientTransaction(alice.DeviceId, "txn-1", $"/rooms/{roomId}/send/m.room.message/txn-1"),
        };
        var eventId = (await _server.SendEventsAsync(roomId, draft))[0];
        var otherDevice = await _server.CreateUserAsync("txn-alice", deviceId: "OTHER");

        var mine = (await _server.SyncAsync(alice)).JoinedRoom(roomId).Events("timeline").Single(e => e.Str("event_id") == eventId);
        var theirs = (await _server.SyncAsync(otherDevice)).JoinedRoom(roomId).Events("timeline").Single(e => e.Str("event_id") == eventId);

        Assert.Equal("txn-1", mine["unsigned"].Str("transaction_id"));
        Assert.Null(theirs["unsigned"]!["transaction_id"]);
    }

    [Fact]
    public async Task Invites_show_stripped_state_and_the_inviter()
    {
        var alice = await _server.CreateUserAsync("inv-alice");
        var bob = await _server.CreateUserAsync("inv-bob");
        var roomId = await _server.CreateRoomAsync(alice, joinRule: "invite");
        await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", alice.UserId, new JsonObject { ["name"] = "Secret" }));
        await _server.SendMessageAsync(roomId, alice, "not for bob yet");
        var before = await _server.SyncAsync(bob);
        Assert.Null(before["rooms"]?["invite"]?[roomId]);

        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, alice.UserId, Memberships.Invite));
        var sync = await _server.SyncAsync(bob, since: before.NextBatch());

        var invite = sync.Section("invite", roomId);
        var state = invite!["invite_state"]!["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(state, e => e.Str("type") == EventTypes.Create);
        Assert.Contains(state, e => e.Str("type") == EventTypes.Name && e["content"].Str("name") == "Secret");
        Assert.Contains(state, e => e.Str("type") == EventTypes.Member && e.Str("state_key") == alice.UserId);
        Assert.Contains(state, e => e.Str("type") == EventTypes.Member && e.Str("state_key") == bob.UserId && e["content"].Str("membership") == "invite");
        // Stripped events carry only content, sender, state_key and type.
        Assert.All(state, e => Assert.Equal(["content", "sender", "state_key", "type"], e.Select(kv => kv.Key).Order()));
        Assert.Null(sync.JoinedRoom(roomId));

        // The initial sync shows the invite too.
        Assert.NotNull((await _server.SyncAsync(bob)).Section("invite", roomId));
    }

    [Fact]
    public async Task Joining_after_an_invite_moves_the_room_to_join_with_full_state()
    {
        var alice = await _server.CreateUserAsync("join-alice");
        var bob = await _server.CreateUserAsync("join-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        for (var i = 0; i < 12; i++) await _server.SendMessageAsync(roomId, alice, $"m{i}");
        var before = await _server.SyncAsync(bob);

        await _server.JoinAsync(roomId, bob);
        var sync = await _server.SyncAsync(bob, since: before.NextBatch());

        var room = sync.JoinedRoom(roomId);
        Assert.NotNull(room);
        Assert.Equal(bob.UserId, room.Events("timeline")[^1].Str("state_key"));
        // Newly joined: the state at the timeline start is complete, not a delta.
        Assert.NotNull(room.StateEvent(EventTypes.Create));
        Assert.NotNull(room.StateEvent(EventTypes.Member, alice.UserId));
        Assert.Equal(2, room["summary"]!["m.joined_member_count"]!.GetValue<int>());
        // The client holds none of its history yet: limited, as Synapse marks a newly joined room, even when all fits.
        Assert.True(room["timeline"]!["limited"]!.GetValue<bool>());
        var small = await _server.CreateRoomAsync(alice);
        var again = await _server.SyncAsync(bob, since: sync.NextBatch());
        await _server.JoinAsync(small, bob);
        var joinedSmall = (await _server.SyncAsync(bob, since: again.NextBatch())).JoinedRoom(small);
        Assert.True(joinedSmall!["timeline"]!["limited"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Leaving_shows_the_room_under_leave_up_to_the_leave_event()
    {
        var alice = await _server.CreateUserAsync("leave-alice");
        var bob = await _server.CreateUserAsync("leave-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        var before = await _server.SyncAsync(bob);

        var goodbye = await _server.SendMessageAsync(roomId, alice, "bye bob");
        var leave = (await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Leave)))[0];
        var after = await _server.SendMessageAsync(roomId, alice, "bob is gone");
        var sync = await _server.SyncAsync(bob, since: before.NextBatch());

        var left = sync.Section("leave", roomId);
        Assert.Equal([goodbye, leave], left.EventIds("timeline"));
        Assert.DoesNotContain(after, left.EventIds("timeline"));
        Assert.Null(sync.JoinedRoom(roomId));

        // Left rooms appear in an initial sync only with include_leave.
        Assert.Null((await _server.SyncAsync(bob)).Section("leave", roomId));
        var archived = await _server.SyncAsync(bob, filter: """{"room":{"include_leave":true}}""");
        Assert.Equal(leave, archived.Section("leave", roomId).EventIds("timeline")[^1]);
    }

    [Fact]
    public async Task A_forgotten_room_leaves_the_next_sync_and_a_rejoin_brings_it_back()
    {
        var alice = await _server.CreateUserAsync("forget-alice");
        var bob = await _server.CreateUserAsync("forget-bob");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Leave));
        const string withLeave = """{"room":{"include_leave":true}}""";
        Assert.NotNull((await _server.SyncAsync(bob, filter: withLeave)).Section("leave", roomId));

        // Forgetting writes no event: the memberships the last sync read must not be reused.
        await _server.Services.GetRequiredService<Matrix.Homeserver.Rooms.Membership.RoomMembershipService>().ForgetAsync(roomId, bob.UserId, CancellationToken.None);
        var forgotten = await _server.SyncAsync(bob, filter: withLeave);
        Assert.Null(forgotten.Section("leave", roomId));

        await _server.JoinAsync(roomId, bob);
        var back = await _server.SyncAsync(bob, since: forgotten.NextBatch());
        Assert.NotNull(back.JoinedRoom(roomId));
    }

    [Fact]
    public async Task Members_woken_by_one_message_each_get_the_same_page_and_the_next_window_moves_on()
    {
        var alice = await _server.CreateUserAsync("page-alice");
        var bob = await _server.CreateUserAsync("page-bob");
        var carol = await _server.CreateUserAsync("page-carol");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.JoinAsync(roomId, carol);
        var bobToken = (await _server.SyncAsync(bob)).NextBatch();
        var carolToken = (await _server.SyncAsync(carol)).NextBatch();
        Assert.Equal(bobToken, carolToken);

        var first = await _server.SendMessageAsync(roomId, alice, "to everyone");
        var forBob = await _server.SyncAsync(bob, since: bobToken);
        var forCarol = await _server.SyncAsync(carol, since: carolToken);
        Assert.Equal([first], forBob.JoinedRoom(roomId).EventIds("timeline"));
        Assert.Equal([first], forCarol.JoinedRoom(roomId).EventIds("timeline"));

        // A later message is a later window: the page shared above is not served for it.
        var second = await _server.SendMessageAsync(roomId, alice, "again");
        Assert.Equal([first, second], (await _server.SyncAsync(carol, since: carolToken)).JoinedRoom(roomId).EventIds("timeline"));
        Assert.Equal([second], (await _server.SyncAsync(bob, since: forBob.NextBatch())).JoinedRoom(roomId).EventIds("timeline"));
    }

    [Fact]
    public async Task Only_rooms_whose_events_moved_after_the_token_are_read_and_their_events_arrive()
    {
        var alice = await _server.CreateUserAsync("quiet-alice");
        var bob = await _server.CreateUserAsync("quiet-bob");
        var quiet = await _server.CreateRoomAsync(alice);
        var busy = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(quiet, bob);
        await _server.JoinAsync(busy, bob);
        var token = (await _server.SyncAsync(bob)).NextBatch();
        var position = long.Parse(token[1..token.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);

        var sent = await _server.SendMessageAsync(busy, alice, "news");
        var roomEvents = _server.Services.GetRequiredService<Matrix.Homeserver.Streams.StreamChanges>().RoomEvents;
        Assert.True(roomEvents.MayHaveChanged(busy, position));
        Assert.False(roomEvents.MayHaveChanged(quiet, position), "the quiet room's events query is skipped");

        var sync = await _server.SyncAsync(bob, since: token);
        Assert.Equal([sent], sync.JoinedRoom(busy).EventIds("timeline"));
        Assert.Null(sync.Section("join", quiet));
    }

    [Fact]
    public async Task Knocks_show_knock_state()
    {
        var alice = await _server.CreateUserAsync("knock-alice");
        var bob = await _server.CreateUserAsync("knock-bob");
        var roomId = await _server.CreateRoomAsync(alice, joinRule: "knock");
        var before = await _server.SyncAsync(bob);

        await _server.SendEventsAsync(roomId, EventDraft.Member(bob.UserId, bob.UserId, Memberships.Knock));
        var sync = await _server.SyncAsync(bob, since: before.NextBatch());

        var state = sync.Section("knock", roomId)!["knock_state"]!["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(state, e => e.Str("type") == EventTypes.JoinRules && e["content"].Str("join_rule") == "knock");
        Assert.Contains(state, e => e.Str("type") == EventTypes.Member && e.Str("state_key") == bob.UserId && e["content"].Str("membership") == "knock");
    }

    [Fact]
    public async Task Heroes_name_an_unnamed_room_and_are_omitted_for_a_named_one()
    {
        var alice = await _server.CreateUserAsync("hero-alice");
        var bob = await _server.CreateUserAsync("hero-bob");
        var carol = await _server.CreateUserAsync("hero-carol");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.SendEventsAsync(roomId, EventDraft.Member(carol.UserId, alice.UserId, Memberships.Invite));

        var summary = (await _server.SyncAsync(alice)).JoinedRoom(roomId)!["summary"]!;
        Assert.Equal([bob.UserId, carol.UserId], summary["m.heroes"]!.AsArray().Select(h => h!.GetValue<string>()));
        Assert.Equal(2, summary["m.joined_member_count"]!.GetValue<int>());
        Assert.Equal(1, summary["m.invited_member_count"]!.GetValue<int>());

        await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", alice.UserId, new JsonObject { ["name"] = "Named" }));
        var named = (await _server.SyncAsync(alice)).JoinedRoom(roomId)!["summary"]!;
        Assert.Null(named["m.heroes"]);
    }

    [Fact]
    public async Task History_visibility_joined_hides_what_came_before_the_join()
    {
        var alice = await _server.CreateUserAsync("hv-alice");
        var bob = await _server.CreateUserAsync("hv-bob");
        var roomId = await _server.CreateRoomAsync(alice, historyVisibility: "joined");
        var secret = await _server.SendMessageAsync(roomId, alice, "before bob");
        await _server.JoinAsync(roomId, bob);
        var visible = await _server.SendMessageAsync(roomId, alice, "after bob");

        var timeline = (await _server.SyncAsync(bob)).JoinedRoom(roomId).EventIds("timeline");

        Assert.DoesNotContain(secret, timeline);
        Assert.Contains(visible, timeline);
    }

    [Fact]
    public async Task Full_state_returns_every_room_with_its_whole_state()
    {
        var alice = await _server.CreateUserAsync("full-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SyncAsync(alice);

        var sync = await _server.SyncAsync(alice, since: first.NextBatch(), fullState: true);

        var room = sync.JoinedRoom(roomId);
        Assert.Empty(room.Events("timeline"));
        Assert.NotNull(room.StateEvent(EventTypes.Create));
        Assert.NotNull(room.StateEvent(EventTypes.HistoryVisibility));
    }

    [Fact]
    public async Task Use_state_after_gives_the_state_at_the_end_of_the_timeline()
    {
        var alice = await _server.CreateUserAsync("after-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SyncAsync(alice);
        var topic = (await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Topic, "", alice.UserId, new JsonObject { ["topic"] = "t" })))[0];

        var sync = await _server.SyncAsync(alice, since: first.NextBatch(), useStateAfter: true);

        var room = sync.JoinedRoom(roomId);
        Assert.Null(room!["state"]);
        Assert.Equal(topic, room.StateEvent(EventTypes.Topic, part: "state_after").Str("event_id"));
        Assert.Contains(topic, room.EventIds("timeline"));
    }

    [Fact]
    public async Task Bundled_aggregations_come_only_with_limited_timelines()
    {
        var alice = await _server.CreateUserAsync("bundle-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var first = await _server.SyncAsync(alice);
        var rootId = await _server.SendMessageAsync(roomId, alice, "root");
        var reply = new JsonObject
        {
            ["msgtype"] = "m.text",
            ["body"] = "reply",
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = rootId },
        };
        await _server.SendEventsAsync(roomId, new EventDraft(EventTypes.Message, null, alice.UserId, reply));

        // The whole timeline: the client has the reply already, the root carries no summary.
        var whole = await _server.SyncAsync(alice, since: first.NextBatch());
        var root = whole.JoinedRoom(roomId).Events("timeline").Single(e => e.Str("event_id") == rootId);
        Assert.False(whole.JoinedRoom(roomId)!["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Null(root["unsigned"]?["m.relations"]);

        // A limited timeline bundles the thread summary on its root.
        var limited = await _server.SyncAsync(alice, filter: """{"room":{"timeline":{"limit":2}}}""");
        var room = limited.JoinedRoom(roomId);
        Assert.True(room!["timeline"]!["limited"]!.GetValue<bool>());
        var bundledRoot = room.Events("timeline").Single(e => e.Str("event_id") == rootId);
        Assert.Equal(1, bundledRoot["unsigned"]!["m.relations"]!["m.thread"]!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bad_parameters_are_refused()
    {
        var alice = await _server.CreateUserAsync("bad-alice");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(since: "garbage"), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?timeout=soon", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync("/_matrix/client/v3/sync?full_state=yes", alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(setPresence: "busy"), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(filter: "{not json"), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_NOT_JSON");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(filter: """{"room":{"timeline":{"limit":-1}}}"""), alice.AccessToken))
            .IsError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(filter: """{"room":{"rooms":"!a:b"}}"""), alice.AccessToken)).IsError(HttpStatusCode.BadRequest, "M_BAD_JSON");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(filter: "12345"), alice.AccessToken)).IsError(HttpStatusCode.NotFound, "M_NOT_FOUND");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath())).IsError(HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        (await _server.Http.GetJsonAsync(SyncClient.SyncPath(), "not-a-token")).IsError(HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN");
    }
}
