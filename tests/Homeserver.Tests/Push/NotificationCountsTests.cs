using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Push;

/// <summary>Notifications written as events persist, and the unread counts read from them through the receipts seam.</summary>
public sealed class NotificationCountsTests(PushServerFixture fixture) : IClassFixture<PushServerFixture>, IAsyncLifetime
{
    private readonly TestHomeserver _server = fixture.Server;
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    private TestUser _carol = null!;
    private string _room = null!;

    public async Task InitializeAsync()
    {
        _alice = await fixture.NewUserAsync("alice");
        _bob = await fixture.NewUserAsync("bob");
        _carol = await fixture.NewUserAsync("carol");
        _room = await _server.CreateRoomAsync(_alice);
        await _server.JoinAsync(_room, _bob);
        await _server.JoinAsync(_room, _carol);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Messages_count_mentions_highlight_and_receipts_reset_them()
    {
        var hello = await _server.SendMessageAsync(_room, _alice, "hello");
        var mention = await SendAsync(_alice, Message("hey bob", new JsonObject { ["user_ids"] = new JsonArray(_bob.UserId) }));

        Assert.Equal(new NotificationCounts(2, 1), await CountsAsync(_bob));
        Assert.Equal(new NotificationCounts(2, 0), await CountsAsync(_carol));
        Assert.Equal(new NotificationCounts(0, 0), await CountsAsync(_alice));

        Assert.Equal(new NotificationCounts(1, 1), await CountsAsync(_bob, Read(await _server.StreamOrderingAsync(hello))));
        Assert.Equal(new NotificationCounts(0, 0), await CountsAsync(_bob, Read(await _server.StreamOrderingAsync(mention))));
        // A thread receipt for "main" reads the main timeline too.
        Assert.Equal(new NotificationCounts(0, 0), await CountsAsync(_bob, Read(0, (EventThreads.Main, await _server.StreamOrderingAsync(mention)))));
    }

    [Fact]
    public async Task Threads_are_counted_apart_and_read_by_their_own_receipts()
    {
        var root = await _server.SendMessageAsync(_room, _alice, "root");
        var reply = await SendAsync(_alice, Message("in thread", relatesTo: new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root }));
        // A reaction to the reply belongs to the thread too (relations are followed to the thread).
        await SendAsync(_alice, new EventDraft("m.reaction", null, _alice.UserId, new JsonObject
        {
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = reply, ["key"] = "x" },
        }));
        var threadMessage = await SendAsync(_alice, Message("more", relatesTo: new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root }));

        await using var db = _server.Db();
        var threadIds = await db.Set<EventPushAction>().Where(a => a.UserId == _bob.UserId && a.RoomId == _room)
            .OrderBy(a => a.StreamOrdering).Select(a => a.ThreadId).ToListAsync();
        Assert.Equal([EventThreads.Main, root, root], threadIds);

        var counts = new UnreadNotificationCounts(new FixedReceipts(new Dictionary<string, ReadPosition>()));
        var byThread = (await counts.GetAsync(db, _bob.UserId, [_room], long.MaxValue, byThread: true, CancellationToken.None))[_room];
        Assert.Equal(new NotificationCounts(1, 0), byThread.Room);
        Assert.Equal(new NotificationCounts(2, 0), byThread.Threads![root]);
        var whole = (await counts.GetAsync(db, _bob.UserId, [_room], long.MaxValue, byThread: false, CancellationToken.None))[_room];
        Assert.Equal(new NotificationCounts(3, 0), whole.Room);
        Assert.Null(whole.Threads);

        // The thread's receipt at its first reply leaves one unread there, and the main timeline untouched.
        var threadRead = Read(0, (root, await _server.StreamOrderingAsync(reply)));
        var partly = (await new UnreadNotificationCounts(threadRead).GetAsync(db, _bob.UserId, [_room], long.MaxValue, true, CancellationToken.None))[_room];
        Assert.Equal(new NotificationCounts(1, 0), partly.Room);
        Assert.Equal(new NotificationCounts(1, 0), partly.Threads![root]);
        Assert.Equal(new NotificationCounts(2, 0), await CountsAsync(_bob, threadRead));

        // An unthreaded receipt at the newest event reads every thread.
        Assert.Equal(new NotificationCounts(0, 0), await CountsAsync(_bob, Read(await _server.StreamOrderingAsync(threadMessage))));
    }

    [Fact]
    public async Task Counts_from_the_kept_rows_follow_new_notifications_and_receipts()
    {
        var cache = _server.Services.GetRequiredService<UnreadRowsCache>();
        var first = await _server.SendMessageAsync(_room, _alice, "one");
        Assert.Equal(await CountsAsync(_bob), await CountsAsync(_bob, cached: true));

        // The writer appends its rows to what the count just kept: the next count needs no query and still agrees.
        var root = await _server.SendMessageAsync(_room, _alice, "two");
        await SendAsync(_alice, Message("hey bob", new JsonObject { ["user_ids"] = new JsonArray(_bob.UserId) },
            new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root }));
        Assert.True(cache.TryGet(_bob.UserId, _room, 0, out _));
        var all = await CountsAsync(_bob);
        Assert.Equal(all, await CountsAsync(_bob, cached: true));
        Assert.True(all.NotificationCount >= 3 && all.HighlightCount >= 1);

        // Receipts are applied to the kept rows: unthreaded, and a thread's own.
        foreach (var read in new[] { Read(await _server.StreamOrderingAsync(first)), Read(0, (root, long.MaxValue)), Read(await _server.StreamOrderingAsync(root)) })
        {
            Assert.Equal(await CountsAsync(_bob, read), await CountsAsync(_bob, read, cached: true));
        }
    }

    [Fact]
    public async Task Counts_beyond_the_kept_rows_are_queried()
    {
        var cache = _server.Services.GetRequiredService<UnreadRowsCache>();
        var many = Enumerable.Range(0, UnreadRowsCache.MaxRows + 5).Select(i => Message($"n{i}") with { Sender = _alice.UserId }).ToArray();
        var ids = await _server.SendEventsAsync(_room, many);
        var all = await CountsAsync(_carol);
        Assert.True(all.NotificationCount > UnreadRowsCache.MaxRows);
        Assert.Equal(all, await CountsAsync(_carol, cached: true));
        Assert.True(cache.IsOverflowing(_carol.UserId, _room, 0));
        Assert.True(cache.TryGetTotals(_carol.UserId, _room, 0, out _));
        await _server.SendMessageAsync(_room, _alice, "one more");
        Assert.True(cache.TryGetTotals(_carol.UserId, _room, 0, out _));
        Assert.Equal(await CountsAsync(_carol), await CountsAsync(_carol, cached: true));

        // A thread's own receipt further on is only answered by the rows.
        var root = ids[^10];
        await SendAsync(_alice, Message("in thread", relatesTo: new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root }));
        var threadRead = Read(0, (root, long.MaxValue));
        Assert.Equal(await CountsAsync(_carol, threadRead), await CountsAsync(_carol, threadRead, cached: true));

        // A receipt that leaves few enough unread brings the rows back into memory.
        var read = Read(await _server.StreamOrderingAsync(ids[^3]));
        Assert.Equal(new NotificationCounts(4, 0), await CountsAsync(_carol, read, cached: true));
        Assert.True(cache.TryGet(_carol.UserId, _room, await _server.StreamOrderingAsync(ids[^3]), out _));
    }

    [Fact]
    public async Task Only_what_the_rules_say_notifies()
    {
        var dave = await fixture.NewUserAsync("dave");
        await SendAsync(_alice, EventDraft.Member(dave.UserId, _alice.UserId, Memberships.Invite));
        await SendAsync(_alice, new EventDraft(EventTypes.Message, null, _alice.UserId, new JsonObject { ["msgtype"] = "m.notice", ["body"] = "bot" }));
        await SendAsync(_alice, EventDraft.State(EventTypes.Topic, "", _alice.UserId, new JsonObject { ["topic"] = "news" }));
        var encrypted = await SendAsync(_alice, new EventDraft(EventTypes.Encrypted, null, _alice.UserId,
            new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2", ["ciphertext"] = "opaque", ["session_id"] = "s", ["device_id"] = "D", ["sender_key"] = "k" }));
        var roomPing = await _server.SendMessageAsync(_room, _alice, "@room lunch");

        await using var db = _server.Db();
        var forBob = await db.Set<EventPushAction>().Where(a => a.UserId == _bob.UserId).OrderBy(a => a.StreamOrdering).ToListAsync();
        Assert.Equal([encrypted, roomPing], forBob.Select(a => a.EventId));
        Assert.False(forBob[0].Highlight);
        Assert.True(forBob[1].Highlight);
        Assert.Equal("""["notify",{"set_tweak":"highlight"}]""", forBob[1].Actions);

        // The invite notifies the invitee; the inviter and members' own joins notify nobody.
        var forDave = Assert.Single(await db.Set<EventPushAction>().Where(a => a.UserId == dave.UserId).ToListAsync());
        Assert.Contains("\"sound\"", forDave.Actions, StringComparison.Ordinal);
        Assert.False(await db.Set<EventPushAction>().AnyAsync(a => a.UserId == _alice.UserId));
    }

    [Fact]
    public async Task Sends_written_together_notify_once_each_and_a_retry_notifies_nobody()
    {
        var writer = _server.Services.GetRequiredService<RoomEventWriter>();
        EventDraft Sent(int i, string txn) => Message($"m{i}") with { Sender = _alice.UserId, Transaction = new ClientTransaction("DEV", txn, $"/send/m.room.message/{txn}") };
        await _server.SendMessageAsync(_room, _alice, "first");
        // Kept in memory from here: the writes below extend or drop the kept rows.
        Assert.Equal(new NotificationCounts(1, 0), await CountsAsync(_bob, cached: true));

        // Queued together, most go in one batch: messages (their notifications in the events' own write), a state
        // change (the listener's), and retries of one transaction, whose failed first attempt must leave no rows.
        var sends = Enumerable.Range(0, 20).Select(i => writer.SendAsync(_room, [Sent(i, $"t{i}")], CancellationToken.None))
            .Append(writer.SendAsync(_room, [EventDraft.State(EventTypes.Topic, "", _alice.UserId, new JsonObject { ["topic"] = "busy" })], CancellationToken.None))
            .Concat(Enumerable.Range(0, 3).Select(_ => writer.SendAsync(_room, [Sent(99, "t0")], CancellationToken.None)))
            .ToList();
        var results = await Task.WhenAll(sends);
        Assert.Single(results[^3..].Append(results[0]).Select(r => Assert.Single(r).EventId).Distinct());
        var again = await writer.SendAsync(_room, [Sent(0, "t3")], CancellationToken.None);
        Assert.Equal(results[3][0].EventId, Assert.Single(again).EventId);

        await using var db = _server.Db();
        var forBob = await db.Set<EventPushAction>().Where(a => a.UserId == _bob.UserId && a.RoomId == _room).Select(a => a.EventId).ToListAsync();
        Assert.Equal(21, forBob.Count);
        Assert.Equal(forBob.Count, forBob.Distinct().Count());
        Assert.Equal(new NotificationCounts(21, 0), await CountsAsync(_bob));
        Assert.Equal(new NotificationCounts(21, 0), await CountsAsync(_bob, cached: true));
    }

    [Fact]
    public async Task Sync_can_find_rooms_whose_counts_changed_after_a_token()
    {
        var streams = _server.Services.GetRequiredService<StreamIdGenerator>();
        var before = streams.Current;
        await _server.SendMessageAsync(_room, _alice, "news");
        var counts = _server.Services.GetRequiredService<UnreadNotificationCounts>();
        await using var db = _server.Db();
        Assert.Equal([_room], await counts.RoomsWithNewNotificationsAsync(db, _bob.UserId, before, streams.Current, CancellationToken.None));
        Assert.Empty(await counts.RoomsWithNewNotificationsAsync(db, _bob.UserId, streams.Current, long.MaxValue, CancellationToken.None));
        Assert.Empty(await counts.RoomsWithNewNotificationsAsync(db, _alice.UserId, before, streams.Current, CancellationToken.None));
        // With the placeholder seam nothing is read yet: the badge is every notification.
        Assert.True(await counts.GetTotalUnreadAsync(db, _bob.UserId, CancellationToken.None) >= 1);
    }

    private static EventDraft Message(string body, JsonObject? mentions = null, JsonObject? relatesTo = null)
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        if (mentions is not null) content["m.mentions"] = mentions;
        if (relatesTo is not null) content["m.relates_to"] = relatesTo;
        return new EventDraft(EventTypes.Message, null, "", content);
    }

    private async Task<string> SendAsync(TestUser sender, EventDraft draft) =>
        (await _server.SendEventsAsync(_room, draft with { Sender = sender.UserId }))[0];

    private FixedReceipts Read(long unthreaded, params (string Thread, long Position)[] threads) =>
        new(new Dictionary<string, ReadPosition> { [_room] = new(unthreaded, threads.ToDictionary(t => t.Thread, t => t.Position)) });

    /// <summary>The user's counts in the room; <paramref name="cached"/> through the server's kept rows, else by query.</summary>
    private async Task<NotificationCounts> CountsAsync(TestUser user, IReadReceiptPositions? receipts = null, bool cached = false)
    {
        await using var db = _server.Db();
        var counts = new UnreadNotificationCounts(receipts ?? new FixedReceipts(new Dictionary<string, ReadPosition>()),
            cached ? _server.Services.GetRequiredService<UnreadRowsCache>() : null);
        return (await counts.GetAsync(db, user.UserId, [_room], long.MaxValue, byThread: false, CancellationToken.None))[_room].Room;
    }

    /// <summary>The receipts seam answered by the test: where each room is read up to.</summary>
    private sealed class FixedReceipts(Dictionary<string, ReadPosition> positions) : IReadReceiptPositions
    {
        public Task<IReadOnlyDictionary<string, ReadPosition>> GetAsync(IDbSource db, string userId, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, ReadPosition>>(positions);
    }
}
