using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>The event pipeline against a real database: what it writes, and what it refuses to write.</summary>
public sealed class RoomEventWriterTests : IAsyncLifetime
{
    private const string Alice = "@alice:localhost";
    private const string Bob = "@bob:localhost";
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RoomEventWriter Writer => _server.Services.GetRequiredService<RoomEventWriter>();

    private HomeserverDbContext Db() => _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    public static TheoryData<string> Versions => new(RoomVersions.All.Select(v => v.Id));

    private static IReadOnlyList<EventDraft> PublicRoom(RoomVersion version)
    {
        var create = new JsonObject { ["room_version"] = version.Id };
        if (!version.ImplicitRoomCreator) create["creator"] = Alice;
        var users = version.PrivilegedCreators ? new JsonObject() : new JsonObject { [Alice] = 100 };
        return
        [
            EventDraft.State(EventTypes.Create, "", Alice, create),
            EventDraft.Member(Alice, Alice, Memberships.Join),
            EventDraft.State(EventTypes.PowerLevels, "", Alice, new JsonObject { ["users"] = users }),
            EventDraft.State(EventTypes.JoinRules, "", Alice, new JsonObject { ["join_rule"] = "public" }),
        ];
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_room_of_every_version_is_created_with_its_state_materialized(string versionId)
    {
        var version = RoomVersions.Find(versionId)!;
        var (roomId, events) = await Writer.CreateRoomAsync(version, PublicRoom(version), isPublic: false, CancellationToken.None);

        Assert.Equal(4, events.Count);
        if (version.RoomIdIsCreateEventHash) Assert.Equal("!" + events[0].EventId[1..], roomId);
        else Assert.EndsWith(":localhost", roomId);
        Assert.All(events, e => Assert.Equal(roomId, e.Pdu.RoomId));
        Assert.True(events.Select(e => e.StreamPosition!.Value).SequenceEqual(events.Select(e => e.StreamPosition!.Value).Order()));

        await using var db = Db();
        var room = await db.Rooms.SingleAsync(r => r.RoomId == roomId);
        Assert.Equal(versionId, room.RoomVersion);
        var current = await db.CurrentState.Where(c => c.RoomId == roomId).ToListAsync();
        Assert.Equal(4, current.Count);
        Assert.Equal(Memberships.Join, (await db.RoomMemberships.SingleAsync(m => m.RoomId == roomId && m.UserId == Alice)).Membership);
        Assert.Equal([events[^1].EventId], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());

        var state = await _server.Services.GetRequiredService<StateGroupStore>().LoadAsync(db, room.CurrentStateGroup!.Value, CancellationToken.None);
        Assert.Equal(current.ToDictionary(c => new StateKey(c.Type, c.StateKey), c => c.EventId), state);
    }

    [Fact]
    public async Task Identical_v12_rooms_created_in_the_same_millisecond_get_distinct_ids()
    {
        // A v12 room ID is its create event's hash: the same creator, content and timestamp would hash alike.
        var version = RoomVersions.Find("12")!;
        IReadOnlyList<EventDraft> Alike() => [.. PublicRoom(version).Select((d, i) => i == 0 ? d with { OriginServerTs = 1_700_000_000_000 } : d)];
        var created = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Writer.CreateRoomAsync(version, Alike(), isPublic: false, CancellationToken.None)));

        Assert.Equal(3, created.Select(c => c.RoomId).Distinct().Count());
        await using var db = Db();
        foreach (var (roomId, _) in created) Assert.Equal(4, await db.CurrentState.CountAsync(c => c.RoomId == roomId));
    }

    [Fact]
    public async Task Messages_chain_on_the_extremity_and_advance_the_stream()
    {
        var (roomId, created) = await Writer.CreateRoomAsync(RoomVersions.V10, PublicRoom(RoomVersions.V10), false, CancellationToken.None);
        var sent = await Writer.SendAsync(roomId, [new EventDraft(EventTypes.Message, null, Alice, new JsonObject { ["body"] = "hi", ["msgtype"] = "m.text" })], CancellationToken.None);

        var message = Assert.Single(sent);
        Assert.Equal([created[^1].EventId], message.Pdu.PrevEvents);
        Assert.Equal(created[^1].Pdu.Depth + 1, message.Pdu.Depth);
        Assert.True(message.StreamPosition > created[^1].StreamPosition);
        Assert.True(_server.Services.GetRequiredService<StreamIdGenerator>().Current >= message.StreamPosition);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_message_after_a_message_names_it_as_its_room_version_asks(string versionId)
    {
        var version = RoomVersions.Find(versionId)!;
        var (roomId, _) = await Writer.CreateRoomAsync(version, PublicRoom(version), false, CancellationToken.None);
        var first = Assert.Single(await Writer.SendAsync(roomId, [new EventDraft(EventTypes.Message, null, Alice, new JsonObject { ["body"] = "1" })], CancellationToken.None));
        var second = Assert.Single(await Writer.SendAsync(roomId, [new EventDraft(EventTypes.Message, null, Alice, new JsonObject { ["body"] = "2" })], CancellationToken.None));

        Assert.Equal([first.EventId], second.Pdu.PrevEvents);
        var named = Assert.Single(second.Pdu.Json["prev_events"]!.AsArray())!;
        if (version.EventFormat == EventFormat.V1)
        {
            // The first event format names the event with its reference hash: the writer read the earlier message for it.
            Assert.Equal(first.EventId, named[0]!.GetValue<string>());
            Assert.Equal(EventHashes.ReferenceHashBase64(first.Pdu.Json, version), named[1]!["sha256"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(first.EventId, named.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_forbidden_event_is_refused_and_nothing_is_written()
    {
        var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V12, PublicRoom(RoomVersions.V12), false, CancellationToken.None);
        await using var before = Db();
        var count = await before.Events.CountAsync();

        var error = await Assert.ThrowsAsync<MatrixException>(() => Writer.SendAsync(roomId,
            [EventDraft.Member(Bob, Bob, Memberships.Join), new EventDraft(EventTypes.Message, null, Bob, new JsonObject { ["body"] = "x" }), EventDraft.State(EventTypes.Topic, "", Bob, new JsonObject { ["topic"] = "mine" })],
            CancellationToken.None));
        Assert.Equal(ErrorCodes.Forbidden, error.ErrCode);

        await using var after = Db();
        Assert.Equal(count, await after.Events.CountAsync());
        Assert.False(await after.RoomMemberships.AnyAsync(m => m.UserId == Bob));
    }

    [Fact]
    public async Task A_client_transaction_is_idempotent()
    {
        var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        EventDraft Draft() => new(EventTypes.Message, null, Alice, new JsonObject { ["body"] = "once" }) { Transaction = new ClientTransaction("DEV", "txn1", "/send/m.room.message/txn1") };

        var first = await Writer.SendAsync(roomId, [Draft()], CancellationToken.None);
        var second = await Writer.SendAsync(roomId, [Draft()], CancellationToken.None);
        Assert.Equal(first[0].EventId, second[0].EventId);
        await using var db = Db();
        Assert.Equal(1, await db.Events.CountAsync(e => e.RoomId == roomId && e.Type == EventTypes.Message));
    }

    [Fact]
    public async Task Concurrent_sends_are_all_written_as_one_chain_with_their_edges()
    {
        var (roomId, created) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        EventDraft Message(int i, string txn) => new(EventTypes.Message, null, Alice, new JsonObject { ["body"] = $"m{i}" })
        {
            Transaction = new ClientTransaction("DEV", txn, $"/send/m.room.message/{txn}"),
        };

        // Queued together, most of these go in one batch: messages, a state change, and a retry of one transaction.
        var sends = Enumerable.Range(0, 30).Select(i => Writer.SendAsync(roomId, [Message(i, $"t{i}")], CancellationToken.None))
            .Append(Writer.SendAsync(roomId, [EventDraft.State(EventTypes.Topic, "", Alice, new JsonObject { ["topic"] = "busy" })], CancellationToken.None))
            .Concat(Enumerable.Range(0, 3).Select(_ => Writer.SendAsync(roomId, [Message(99, "retried")], CancellationToken.None)))
            .ToList();
        var results = await Task.WhenAll(sends);

        var retried = results[^3..].Select(r => Assert.Single(r).EventId).Distinct();
        Assert.Single(retried);
        var written = results.SelectMany(r => r).DistinctBy(e => e.EventId).OrderBy(e => e.StreamPosition).ToList();
        Assert.Equal(32, written.Count);

        // One chain: each event points at the one written before it, and only the last is an extremity.
        var previous = created[^1].EventId;
        foreach (var e in written)
        {
            Assert.Equal([previous], e.Pdu.PrevEvents);
            previous = e.EventId;
        }

        await using var db = Db();
        Assert.Equal([previous], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());
        var ids = written.Select(e => e.EventId).ToList();
        var rows = await db.Events.Where(e => ids.Contains(e.EventId)).ToDictionaryAsync(e => e.Nid, e => e.EventId);
        Assert.Equal(32, rows.Count);
        var edges = await db.EventEdges.Where(x => rows.Keys.Contains(x.EventNid)).ToListAsync();
        Assert.Equal(written.Select(e => (e.EventId, e.Pdu.PrevEvents[0])).Order(), edges.Select(x => (rows[x.EventNid], x.PrevEventId)).Order());
        var authEdges = await db.EventAuthEdges.CountAsync(x => rows.Keys.Contains(x.EventNid));
        Assert.Equal(written.Sum(e => e.Pdu.AuthEvents.Count), authEdges);
        var topic = written.Single(e => e.Pdu.Type == EventTypes.Topic);
        Assert.Equal(topic.EventId, (await db.CurrentState.SingleAsync(c => c.RoomId == roomId && c.Type == EventTypes.Topic)).EventId);
        Assert.Equal(4, await db.EventTransactions.CountAsync(t => t.TxnId == "retried" || t.TxnId == "t0" || t.TxnId == "t1" || t.TxnId == "t2"));

        // Retries in a later batch, beside a new send, get their first events back.
        var again = await Task.WhenAll(new[] { 5, 6, 7 }.Select(i => Writer.SendAsync(roomId, [Message(i, $"t{i}")], CancellationToken.None))
            .Append(Writer.SendAsync(roomId, [Message(100, "new")], CancellationToken.None)));
        Assert.Equal([results[5][0].EventId, results[6][0].EventId, results[7][0].EventId], again[..3].Select(r => r[0].EventId));
        Assert.Equal([previous], again[3][0].Pdu.PrevEvents);
    }

    [Fact]
    public async Task Batch_after_batch_of_concurrent_sends_stays_one_chain_when_some_callers_fail()
    {
        var (roomId, created) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        EventDraft Message(string sender, string txn) => new(EventTypes.Message, null, sender, new JsonObject { ["body"] = txn })
        {
            Transaction = new ClientTransaction("DEV", txn, $"/send/m.room.message/{txn}"),
        };
        var earlier = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Writer.SendAsync(roomId, [Message(Alice, $"old{i}")], CancellationToken.None)));

        // More than one batch holds (64 callers). Among them, retries of sends written before (on PostgreSQL each fails its
        // batch's write on the transactions' key) and sends by a user who is not in the room (refused in the build): each
        // such batch goes again caller by caller, and the room's head must follow whatever was written.
        int[] retried = [60, 200], refused = [130, 270];
        var sends = Enumerable.Range(0, 300)
            .Select(i => retried.Contains(i) ? Message(Alice, $"old{i % 3}") : refused.Contains(i) ? Message(Bob, $"bob{i}") : Message(Alice, $"new{i}"))
            .Select(draft => Writer.SendAsync(roomId, [draft], CancellationToken.None)).ToList();
        await Task.WhenAll(sends.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.All(refused, i => Assert.Equal(ErrorCodes.Forbidden, Assert.IsType<MatrixException>(sends[i].Exception!.InnerException).ErrCode));
        Assert.Equal(retried.Select(i => earlier[i % 3][0].EventId), retried.Select(i => sends[i].Result[0].EventId));

        var written = sends.Where(s => s.IsCompletedSuccessfully).SelectMany(s => s.Result).Where(e => e.Pdu.Content["body"]!.GetValue<string>().StartsWith("new"))
            .OrderBy(e => e.StreamPosition).ToList();
        Assert.Equal(300 - refused.Length - retried.Length, written.Count);
        var previous = earlier[^1][0].EventId;
        foreach (var e in written)
        {
            Assert.Equal([previous], e.Pdu.PrevEvents);
            previous = e.EventId;
        }

        await using var db = Db();
        Assert.Equal([previous], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());
        Assert.Equal(written.Count + 3, await db.Events.CountAsync(e => e.RoomId == roomId && e.Type == EventTypes.Message));
        // One DAG edge per event but the create event.
        Assert.Equal(created.Count - 1 + 3 + written.Count, await db.EventEdges.CountAsync(x => db.Events.Any(e => e.Nid == x.EventNid && e.RoomId == roomId)));

        // The room's head is still right: the next send follows the last one.
        var next = await Writer.SendAsync(roomId, [Message(Alice, "after")], CancellationToken.None);
        Assert.Equal([previous], next[0].Pdu.PrevEvents);
    }

    [Fact]
    public async Task Member_state_is_stored_as_small_deltas_and_reloads_whole()
    {
        var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V10, PublicRoom(RoomVersions.V10), false, CancellationToken.None);
        const int joins = StateGroupStore.MaxChainLength + 10;
        for (var i = 0; i < joins; i++)
        {
            var user = $"@user{i}:localhost";
            await Writer.SendAsync(roomId, [EventDraft.Member(user, user, Memberships.Join)], CancellationToken.None);
        }

        await using var db = Db();
        var groups = await db.StateGroups.Where(g => g.RoomId == roomId).ToListAsync();
        var entries = await db.StateGroupEntries.Where(e => groups.Select(g => g.Id).Contains(e.StateGroupId)).GroupBy(e => e.StateGroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count);
        var deltas = groups.Where(g => g.ParentId is not null).ToList();
        Assert.All(deltas, g => Assert.Equal(1, entries[g.Id]));
        Assert.True(groups.Count(g => g.ParentId is null) >= 2, "a full snapshot bounds the chain");
        Assert.All(groups, g => Assert.True(g.ChainLength <= StateGroupStore.MaxChainLength));
        // The chain lengths the writer carried from write to write (not read back) match the stored parents'.
        var byId = groups.ToDictionary(g => g.Id);
        Assert.All(deltas, g => Assert.Equal(byId[g.ParentId!.Value].ChainLength + 1, g.ChainLength));
        Assert.All(groups.Where(g => g.ParentId is null), g => Assert.Equal(0, g.ChainLength));

        // A fresh store (no cache) rebuilds the same state from the database.
        var room = await db.Rooms.SingleAsync(r => r.RoomId == roomId);
        using var fresh = new StateGroupStore();
        var state = await fresh.LoadAsync(db, room.CurrentStateGroup!.Value, CancellationToken.None);
        Assert.Equal(4 + joins, state.Count);
        Assert.Equal(joins + 1, state.Keys.Count(k => k.Type == EventTypes.Member));
    }

    [Fact]
    public async Task Messages_and_state_events_written_together_leave_each_row_as_written_alone()
    {
        var (roomId, created) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        static EventDraft Text(string body) => new(EventTypes.Message, null, Alice, new JsonObject { ["body"] = body });
        static EventDraft Topic(string topic) => EventDraft.State(EventTypes.Topic, "", Alice, new JsonObject { ["topic"] = topic });

        // One send: a message, a topic, a message after it, Bob's join; then a topic change and a redaction (which
        // reads its target's row back) beside a message; then Bob's profile change, leave and return.
        var first = await Writer.SendAsync(roomId, [Text("one"), Topic("first"), Text("two"), EventDraft.Member(Bob, Bob, Memberships.Join)], CancellationToken.None);
        var second = await Writer.SendAsync(roomId,
            [Topic("second"), new EventDraft(EventTypes.Redaction, null, Alice, new JsonObject()) { Redacts = first[2].EventId }, Text("three")], CancellationToken.None);
        var renamed = (await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Join, new JsonObject { ["displayname"] = "Bob" })], CancellationToken.None))[0];

        await using var db = Db();
        var ids = first.Concat(second).Append(renamed).Select(e => e.EventId).ToList();
        var rows = await db.Events.AsNoTracking().Where(e => ids.Contains(e.EventId)).ToDictionaryAsync(e => e.EventId);
        var lastCreated = created[^1].EventId;
        var roomGroupAtCreation = (await db.Events.AsNoTracking().SingleAsync(e => e.EventId == lastCreated)).StateGroup;
        Assert.Equal(roomGroupAtCreation, rows[first[0].EventId].StateGroup);
        Assert.NotEqual(roomGroupAtCreation, rows[first[1].EventId].StateGroup);
        Assert.Equal(rows[first[1].EventId].StateGroup, rows[first[2].EventId].StateGroup);
        Assert.Null(rows[first[1].EventId].ReplacesState);
        Assert.Equal(first[1].EventId, rows[second[0].EventId].ReplacesState);
        Assert.Equal(first[3].EventId, rows[renamed.EventId].ReplacesState);
        Assert.Equal(second[1].EventId, rows[first[2].EventId].RedactedBy);
        Assert.Equal(rows[second[0].EventId].StateGroup, rows[second[2].EventId].StateGroup);
        Assert.Equal(ids.Count, ids.Select(id => rows[id].StreamOrdering).Distinct().Count());

        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.RoomId == roomId);
        Assert.Equal(rows[renamed.EventId].StateGroup, room.CurrentStateGroup);
        using var fresh = new StateGroupStore();
        var state = await fresh.LoadAsync(db, room.CurrentStateGroup!.Value, CancellationToken.None);
        Assert.Equal(second[0].EventId, state[new StateKey(EventTypes.Topic, "")]);
        Assert.Equal(renamed.EventId, state[new StateKey(EventTypes.Member, Bob)]);
        var current = await db.CurrentState.AsNoTracking().Where(c => c.RoomId == roomId).ToDictionaryAsync(c => new StateKey(c.Type, c.StateKey), c => c.EventId);
        Assert.Equal(state.OrderBy(kv => kv.Key.Type).ThenBy(kv => kv.Key.Key), current.OrderBy(kv => kv.Key.Type).ThenBy(kv => kv.Key.Key));
        var nids = await db.Events.AsNoTracking().Where(e => e.RoomId == roomId).ToDictionaryAsync(e => e.EventId, e => e.Nid);
        Assert.All(await db.CurrentState.AsNoTracking().Where(c => c.RoomId == roomId).ToListAsync(), c => Assert.Equal(nids[c.EventId], c.EventNid));

        // A profile change keeps the join's start; a leave ends it; a return begins a new one and un-forgets the room.
        var bob = await db.RoomMemberships.AsNoTracking().SingleAsync(m => m.RoomId == roomId && m.UserId == Bob);
        Assert.Equal((Memberships.Join, first[3].StreamPosition!.Value, renamed.StreamPosition!.Value, "Bob", renamed.EventId),
            (bob.Membership, bob.JoinedAt, bob.StreamOrdering, bob.DisplayName, bob.EventId));
        var left = (await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Leave)], CancellationToken.None))[0];
        bob = await db.RoomMemberships.AsNoTracking().SingleAsync(m => m.RoomId == roomId && m.UserId == Bob);
        Assert.Equal((Memberships.Leave, 0L, left.StreamPosition!.Value, (string?)null), (bob.Membership, bob.JoinedAt, bob.StreamOrdering, bob.DisplayName));
        await db.RoomMemberships.Where(m => m.RoomId == roomId && m.UserId == Bob).ExecuteUpdateAsync(u => u.SetProperty(m => m.Forgotten, true));
        var back = (await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Join)], CancellationToken.None))[0];
        bob = await db.RoomMemberships.AsNoTracking().SingleAsync(m => m.RoomId == roomId && m.UserId == Bob);
        Assert.Equal((Memberships.Join, back.StreamPosition!.Value, false), (bob.Membership, bob.JoinedAt, bob.Forgotten));
    }

    [Fact]
    public async Task The_room_snapshot_a_write_carries_forward_matches_one_read_from_the_database()
    {
        var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        var snapshots = _server.Services.GetRequiredService<RoomSnapshots>();
        var reader = _server.Services.GetRequiredService<RoomStateReader>();
        const string Carol = "@carol:localhost";
        await using var db = Db();
        // The new room's own snapshot, made from its events.
        var made = await snapshots.GetAsync(db, roomId, CancellationToken.None);
        var first = await new RoomSnapshots(reader).GetAsync(db, roomId, CancellationToken.None);
        Assert.Equal((first.StateGroup, first.Members.Single()), (made.StateGroup, made.Members.Single()));
        Assert.Equal((100, 0), (made.PowerLevels.UserLevel(Alice), made.PowerLevels.UserLevel(Bob)));

        // Each write moves the cached snapshot on from the last one: joins, a profile change, an invite, a leave, a topic.
        await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Join)], CancellationToken.None);
        await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Join, new JsonObject { ["displayname"] = "Bob" }),
            EventDraft.Member(Carol, Alice, Memberships.Invite)], CancellationToken.None);
        await Writer.SendAsync(roomId, [EventDraft.State(EventTypes.Topic, "", Alice, new JsonObject { ["topic"] = "t" })], CancellationToken.None);
        await Writer.SendAsync(roomId, [EventDraft.Member(Bob, Bob, Memberships.Leave), EventDraft.Member(Carol, Carol, Memberships.Join)], CancellationToken.None);

        var carried = await snapshots.GetAsync(db, roomId, CancellationToken.None);
        var read = await new RoomSnapshots(reader).GetAsync(db, roomId, CancellationToken.None);
        Assert.Equal(read.StateGroup, carried.StateGroup);
        Assert.Equal(read.Members.OrderBy(m => m.UserId, StringComparer.Ordinal), carried.Members.OrderBy(m => m.UserId, StringComparer.Ordinal));
        Assert.Equal([Alice, Carol], carried.Members.Select(m => m.UserId).Order(StringComparer.Ordinal));
        Assert.Equal(read.PowerLevels.UserLevel(Alice), carried.PowerLevels.UserLevel(Alice));
    }

    [Fact]
    public async Task A_redaction_by_the_sender_marks_the_event_redacted()
    {
        var (roomId, _) = await Writer.CreateRoomAsync(RoomVersions.V11, PublicRoom(RoomVersions.V11), false, CancellationToken.None);
        var message = (await Writer.SendAsync(roomId, [new EventDraft(EventTypes.Message, null, Alice, new JsonObject { ["body"] = "oops" })], CancellationToken.None))[0];
        var redaction = (await Writer.SendAsync(roomId, [new EventDraft(EventTypes.Redaction, null, Alice, new JsonObject()) { Redacts = message.EventId }], CancellationToken.None))[0];

        Assert.Equal(message.EventId, redaction.Pdu.Content["redacts"]!.GetValue<string>());
        await using var db = Db();
        Assert.Equal(redaction.EventId, (await db.Events.SingleAsync(e => e.EventId == message.EventId)).RedactedBy);
    }
}
