using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Tests.Infrastructure;

namespace Matrix.Homeserver.Tests.Sync.Sliding;

/// <summary>Sliding sync lists and rooms: ranges, sorting by bump_stamp, incremental answers, required_state, subscriptions, filters, timelines.</summary>
public sealed class SlidingSyncRoomsTests(HomeserverFixture fixture) : IClassFixture<HomeserverFixture>
{
    private readonly TestHomeserver _server = fixture.Server;

    [Fact]
    public async Task An_initial_list_counts_every_room_and_sends_its_range_newest_first()
    {
        var alice = await _server.CreateUserAsync("ss-list-alice");
        var rooms = new List<string>();
        for (var i = 0; i < 3; i++) rooms.Add(await _server.CreateRoomAsync(alice));
        await _server.SendEventsAsync(rooms[0], EventDraft.State(EventTypes.Name, "", alice.UserId, new JsonObject { ["name"] = "First" }));
        var newest = await _server.SendMessageAsync(rooms[0], alice, "bump");

        var answer = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 1, timelineLimit: 1));

        Assert.Equal(3, answer.Count());
        Assert.Equal(2, answer.RoomIds().Count);
        var first = answer.Room(rooms[0])!;
        Assert.True(first["initial"]!.GetValue<bool>());
        Assert.Equal("First", first["name"]!.GetValue<string>());
        Assert.Equal([newest], first.TimelineIds());
        Assert.True(first["limited"]!.GetValue<bool>());
        Assert.Equal(0, first["num_live"]!.GetValue<int>());
        Assert.Equal(1, first["joined_count"]!.GetValue<int>());
        Assert.Equal(0, first["notification_count"]!.GetValue<int>());
        Assert.Contains((EventTypes.Create, ""), first.RequiredState());
        Assert.Contains((EventTypes.Name, ""), first.RequiredState());
        Assert.DoesNotContain(first.RequiredState(), s => s.Type == EventTypes.Member);
        // The second newest room by bump_stamp: the last created; the oldest is outside the range.
        Assert.NotNull(answer.Room(rooms[2]));
        Assert.Null(answer.Room(rooms[1]));
        Assert.True(first["bump_stamp"]!.GetValue<long>() > answer.Room(rooms[2])!["bump_stamp"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_incremental_answer_sends_only_changes_and_a_bumped_room_enters_the_range()
    {
        var alice = await _server.CreateUserAsync("ss-inc-alice");
        var bob = await _server.CreateUserAsync("ss-inc-bob");
        var old = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(old, bob);
        var top = await _server.CreateRoomAsync(alice);
        var body = SlidingClient.ListBody(0, 0, timelineLimit: 5);
        var first = await _server.SlidingAsync(alice, body);
        Assert.Equal([top], first.RoomIds());

        var quiet = await _server.SlidingAsync(alice, body, first.Pos());
        Assert.Empty(quiet.RoomIds());
        Assert.NotEqual(first.Pos(), quiet.Pos());

        // A message bumps the old room to the top: new to the connection, it comes whole.
        var message = await _server.SendMessageAsync(old, bob, "hello");
        var bumped = await _server.SlidingAsync(alice, body, quiet.Pos());
        Assert.Equal([old], bumped.RoomIds());
        var room = bumped.Room(old)!;
        Assert.True(room["initial"]!.GetValue<bool>());
        Assert.Equal(message, room.TimelineIds()[^1]);
        Assert.Equal(1, room["num_live"]!.GetValue<int>());
        Assert.Equal(2, room["joined_count"]!.GetValue<int>());

        // Once sent, the room gets only what is new, without initial.
        var next = await _server.SendMessageAsync(old, bob, "again");
        var live = await _server.SlidingAsync(alice, body, bumped.Pos());
        var liveRoom = live.Room(old)!;
        Assert.Null(liveRoom["initial"]);
        Assert.Equal([next], liveRoom.TimelineIds());
        Assert.False(liveRoom["limited"]!.GetValue<bool>());
        Assert.Equal(1, liveRoom["num_live"]!.GetValue<int>());
        Assert.Empty(liveRoom.RequiredState());
    }

    [Fact]
    public async Task Lazy_members_are_the_timeline_senders_and_are_not_repeated()
    {
        var alice = await _server.CreateUserAsync("ss-lazy-alice");
        var bob = await _server.CreateUserAsync("ss-lazy-bob");
        var carol = await _server.CreateUserAsync("ss-lazy-carol");
        var roomId = await _server.CreateRoomAsync(alice);
        await _server.JoinAsync(roomId, bob);
        await _server.JoinAsync(roomId, carol);
        await _server.SendMessageAsync(roomId, bob, "from bob");
        var body = SlidingClient.ListBody(0, 0, timelineLimit: 1,
            requiredState: new JsonArray(new JsonArray(EventTypes.Member, "$LAZY"), new JsonArray(EventTypes.Member, "$ME")));

        var first = await _server.SlidingAsync(alice, body);
        var members = first.Room(roomId).RequiredState().Where(s => s.Type == EventTypes.Member).Select(s => s.StateKey).Order().ToList();
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order().ToList(), members);

        await _server.SendMessageAsync(roomId, carol, "from carol");
        var second = await _server.SlidingAsync(alice, body, first.Pos());
        Assert.Equal([(EventTypes.Member, carol.UserId)], second.Room(roomId).RequiredState());

        await _server.SendMessageAsync(roomId, bob, "bob again");
        var third = await _server.SlidingAsync(alice, body, second.Pos());
        Assert.Empty(third.Room(roomId).RequiredState());
    }

    [Fact]
    public async Task A_changed_state_event_is_sent_when_required_and_a_changed_required_state_resends()
    {
        var alice = await _server.CreateUserAsync("ss-state-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var body = SlidingClient.ListBody(0, 0, timelineLimit: 0, requiredState: new JsonArray(new JsonArray(EventTypes.Name, "")));
        var first = await _server.SlidingAsync(alice, body);
        Assert.Empty(first.Room(roomId).RequiredState());

        await _server.SendEventsAsync(roomId, EventDraft.State(EventTypes.Name, "", alice.UserId, new JsonObject { ["name"] = "Renamed" }));
        var second = await _server.SlidingAsync(alice, body, first.Pos());
        Assert.Equal([(EventTypes.Name, "")], second.Room(roomId).RequiredState());
        Assert.Equal("Renamed", second.Room(roomId)!["name"]!.GetValue<string>());
        Assert.Null(second.Room(roomId).Timeline().FirstOrDefault());

        var wider = SlidingClient.ListBody(0, 0, timelineLimit: 0, requiredState: new JsonArray(new JsonArray("*", "*")));
        var third = await _server.SlidingAsync(alice, wider, second.Pos());
        Assert.Contains((EventTypes.JoinRules, ""), third.Room(roomId).RequiredState());
        Assert.Contains((EventTypes.Member, alice.UserId), third.Room(roomId).RequiredState());
    }

    [Fact]
    public async Task A_room_subscription_sends_a_room_outside_the_ranges_with_its_own_parameters()
    {
        var alice = await _server.CreateUserAsync("ss-sub-alice");
        var subscribed = await _server.CreateRoomAsync(alice);
        var top = await _server.CreateRoomAsync(alice);
        var stranger = await _server.CreateUserAsync("ss-sub-stranger");
        var foreign = await _server.CreateRoomAsync(stranger);
        var body = SlidingClient.ListBody(0, 0, timelineLimit: 1);
        body["room_subscriptions"] = new JsonObject
        {
            [subscribed] = new JsonObject { ["timeline_limit"] = 3, ["required_state"] = new JsonArray(new JsonArray(EventTypes.JoinRules, "")) },
            [foreign] = new JsonObject { ["timeline_limit"] = 3, ["required_state"] = new JsonArray() },
        };

        var answer = await _server.SlidingAsync(alice, body);
        Assert.Equal(new[] { subscribed, top }.Order().ToList(), answer.RoomIds().Order().ToList());
        Assert.Equal(3, answer.Room(subscribed).Timeline().Count);
        Assert.Equal([(EventTypes.JoinRules, "")], answer.Room(subscribed).RequiredState());
        Assert.Single(answer.Room(top).Timeline());

        // Opening the list's room with a larger timeline_limit sends its latest events again.
        body["room_subscriptions"]![top] = new JsonObject { ["timeline_limit"] = 3, ["required_state"] = new JsonArray() };
        var opened = await _server.SlidingAsync(alice, body, answer.Pos());
        Assert.Equal([top], opened.RoomIds());
        Assert.True(opened.Room(top)!["unstable_expanded_timeline"]!.GetValue<bool>());
        Assert.Equal(3, opened.Room(top).Timeline().Count);
        Assert.Null(opened.Room(top)!["initial"]);
    }

    [Fact]
    public async Task Filters_pick_dms_invites_and_encrypted_rooms()
    {
        var alice = await _server.CreateUserAsync("ss-filter-alice");
        var bob = await _server.CreateUserAsync("ss-filter-bob");
        var dm = await _server.CreateRoomAsync(alice);
        var encrypted = await _server.CreateRoomAsync(alice);
        await _server.SendEventsAsync(encrypted, EventDraft.State(EventTypes.Encryption, "", alice.UserId, new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" }));
        var invitedTo = await _server.CreateRoomAsync(bob, joinRule: "invite");
        await _server.SendEventsAsync(invitedTo, EventDraft.Member(alice.UserId, bob.UserId, Memberships.Invite));
        var direct = new JsonObject { [bob.UserId] = new JsonArray(dm) };
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/account_data/m.direct", direct, alice.AccessToken)).Ok();

        async Task<List<string>> Filtered(JsonObject filters) =>
            (await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 9, filters: filters))).RoomIds();

        Assert.Equal([dm], await Filtered(new JsonObject { ["is_dm"] = true, ["is_invite"] = false }));
        Assert.Equal([encrypted], await Filtered(new JsonObject { ["is_encrypted"] = true }));
        Assert.Equal([invitedTo], await Filtered(new JsonObject { ["is_invite"] = true }));
        Assert.Equal(new[] { dm, encrypted }.Order().ToList(), (await Filtered(new JsonObject { ["is_invite"] = false })).Order().ToList());

        var invite = (await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 9, filters: new JsonObject { ["is_invite"] = true }))).Room(invitedTo)!;
        var stripped = invite["invite_state"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains(EventTypes.Create, stripped);
        Assert.Contains(EventTypes.Member, stripped);
        Assert.Null(invite["timeline"]);

        // Spec "Invite permission": while Alice blocks invites, the one she holds is not served.
        (await _server.Http.PutJsonAsync($"/_matrix/client/v3/user/{Uri.EscapeDataString(alice.UserId)}/account_data/m.invite_permission_config",
            new JsonObject { ["default_action"] = "block" }, alice.AccessToken)).Ok();
        Assert.Empty(await Filtered(new JsonObject { ["is_invite"] = true }));
    }

    [Fact]
    public async Task Room_types_filter_spaces_out()
    {
        var alice = await _server.CreateUserAsync("ss-types-alice");
        var room = await _server.CreateRoomAsync(alice);
        var space = (await _server.Http.PostJsonAsync("/_matrix/client/v3/createRoom",
            new JsonObject { ["creation_content"] = new JsonObject { ["type"] = "m.space" } }, alice.AccessToken)).Ok()["room_id"]!.GetValue<string>();

        var rooms = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 9, filters: new JsonObject { ["not_room_types"] = new JsonArray("m.space") }));
        Assert.Equal([room], rooms.RoomIds());
        var spaces = await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 9, filters: new JsonObject { ["room_types"] = new JsonArray("m.space") }));
        Assert.Equal([space], spaces.RoomIds());
    }

    [Fact]
    public async Task A_limited_timeline_continues_through_messages_from_prev_batch()
    {
        var alice = await _server.CreateUserAsync("ss-page-alice");
        var roomId = await _server.CreateRoomAsync(alice);
        var sent = new List<string>();
        for (var i = 0; i < 5; i++) sent.Add(await _server.SendMessageAsync(roomId, alice, $"m{i}"));

        var room = (await _server.SlidingAsync(alice, SlidingClient.ListBody(0, 0, timelineLimit: 2))).Room(roomId)!;
        Assert.Equal(sent[3..], room.TimelineIds());
        Assert.True(room["limited"]!.GetValue<bool>());

        var from = Uri.EscapeDataString(room["prev_batch"]!.GetValue<string>());
        var page = (await _server.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=3&from={from}", alice.AccessToken)).Ok();
        var earlier = page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ToList();
        Assert.Equal([sent[2], sent[1], sent[0]], earlier);
    }
}
