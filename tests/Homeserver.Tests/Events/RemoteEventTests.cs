using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Matrix.Homeserver.Tests.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>The remote half of the pipeline: events another server built, judged and persisted here.</summary>
public sealed class RemoteEventTests : IAsyncLifetime, IDisposable
{
    private const string Bob = "@bob:remote.test";
    private const string Carol = "@carol:remote.test";
    private readonly SigningKey _remoteKey = SigningKey.Generate("r1");
    private TestHomeserver _server = null!;
    private TestUser _alice = null!;
    private string _roomId = null!;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync();
        _alice = await _server.CreateUserAsync("alice");
        _roomId = await _server.CreateRoomAsync(_alice, version: RoomVersions.V10);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _remoteKey.Dispose();

    private RoomEventWriter Writer => _server.Services.GetRequiredService<RoomEventWriter>();

    private HomeserverDbContext Db() => _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    /// <summary>Builds an event as remote.test would, on the given prev events and the current state's auth events.</summary>
    private async Task<Pdu> RemoteEventAsync(string type, string? stateKey, string sender, JsonObject content, IReadOnlyList<string>? prevEvents = null)
    {
        await using var db = Db();
        var state = await _server.Services.GetRequiredService<RoomStateReader>().GetCurrentStateIdsAsync(db, _roomId, CancellationToken.None);
        var auth = AuthEventSelection.Select(RoomVersions.V10, type, stateKey, sender, content).Select(k => state.GetValueOrDefault(k)).OfType<string>().ToList();
        prevEvents ??= await db.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync();
        var depth = await db.Events.Where(e => prevEvents.Contains(e.EventId)).MaxAsync(e => e.Depth);
        return new EventBuilder(ServerName.Parse("remote.test"), _remoteKey).Build(RoomVersions.V10, new EventTemplate
        {
            Type = type, StateKey = stateKey, Sender = sender, Content = content, RoomId = _roomId,
            PrevEvents = prevEvents, AuthEvents = auth, Depth = depth + 1, OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });
    }

    private async Task<IncomingResult> ReceiveAsync(Pdu pdu) => await Writer.PersistRemoteAsync(new IncomingEvent(pdu), CancellationToken.None);

    private static JsonObject Join => new() { ["membership"] = "join" };

    [Fact]
    public async Task A_remote_join_and_message_are_accepted_and_become_current()
    {
        var join = await RemoteEventAsync(EventTypes.Member, Bob, Bob, Join);
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(join)).Outcome);
        var message = await RemoteEventAsync(EventTypes.Message, null, Bob, new JsonObject { ["body"] = "hello" });
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(message)).Outcome);
        Assert.Equal(IncomingOutcome.AlreadyKnown, (await ReceiveAsync(message)).Outcome);

        await using var db = Db();
        Assert.Equal("join", (await db.RoomMemberships.SingleAsync(m => m.RoomId == _roomId && m.UserId == Bob)).Membership);
        Assert.Equal([message.EventId], await db.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync());
        var row = await db.Events.SingleAsync(e => e.EventId == message.EventId);
        Assert.NotNull(row.StreamOrdering);
        Assert.False(row.Outlier);

        // The room's head cached by the last local send is stale now: the next local event builds on the remote one.
        var reply = await _server.SendMessageAsync(_roomId, _alice, "hi bob");
        var replied = await _server.Services.GetRequiredService<Matrix.Homeserver.Events.Storage.EventStore>().GetAsync(db, reply, CancellationToken.None);
        Assert.Equal([message.EventId], replied!.PrevEvents);
        Assert.Equal(row.Depth + 1, replied.Depth);
    }

    [Fact]
    public async Task An_incremental_sync_has_every_event_when_remote_ones_came_between_local_sends()
    {
        var join = await RemoteEventAsync(EventTypes.Member, Bob, Bob, Join);
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(join)).Outcome);
        var first = await _server.SendMessageAsync(_roomId, _alice, "one");
        var since = (await _server.SyncAsync(_alice)).NextBatch();

        // The local sends' kept timeline (the room's head) must not answer for a window holding the remote event.
        var remote = await RemoteEventAsync(EventTypes.Message, null, Bob, new JsonObject { ["msgtype"] = "m.text", ["body"] = "from afar" });
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(remote)).Outcome);
        var second = await _server.SendMessageAsync(_roomId, _alice, "two");
        var third = await _server.SendMessageAsync(_roomId, _alice, "three");

        Assert.Equal([remote.EventId, second, third], (await _server.SyncAsync(_alice, since)).JoinedRoom(_roomId).EventIds("timeline"));
        var afterRemote = (await _server.SyncAsync(_alice)).NextBatch();
        var fourth = await _server.SendMessageAsync(_roomId, _alice, "four");
        Assert.Equal([fourth], (await _server.SyncAsync(_alice, afterRemote)).JoinedRoom(_roomId).EventIds("timeline"));
        Assert.DoesNotContain(first, (await _server.SyncAsync(_alice, since)).JoinedRoom(_roomId).EventIds("timeline"));
    }

    [Fact]
    public async Task A_remote_thread_reply_is_aggregated_and_its_text_searchable()
    {
        var root = await _server.SendMessageAsync(_roomId, _alice, "local root");
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(await RemoteEventAsync(EventTypes.Member, Bob, Bob, Join))).Outcome);
        var reply = await RemoteEventAsync(EventTypes.Message, null, Bob, new JsonObject
        {
            ["body"] = "remote quokka", ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root },
        });
        Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(reply)).Outcome);

        var served = (await _server.GetEventAsync(_alice, _roomId, root)).Ok();
        Assert.Equal(reply.EventId, served["unsigned"]!["m.relations"]!["m.thread"]!["latest_event"]!["event_id"]!.GetValue<string>());
        var search = new JsonObject { ["search_categories"] = new JsonObject { ["room_events"] = new JsonObject { ["search_term"] = "quokka" } } };
        var found = (await _server.Http.PostJsonAsync("/_matrix/client/v3/search", search, _alice.AccessToken)).Ok();
        Assert.Single(found["search_categories"]!["room_events"]!["results"]!.AsArray());
    }

    [Fact]
    public async Task A_message_from_a_non_member_is_rejected_and_never_current()
    {
        var message = await RemoteEventAsync(EventTypes.Message, null, Carol, new JsonObject { ["body"] = "let me in" });
        var result = await ReceiveAsync(message);
        Assert.Equal(IncomingOutcome.Rejected, result.Outcome);

        await using var db = Db();
        var row = await db.Events.SingleAsync(e => e.EventId == message.EventId);
        Assert.NotNull(row.RejectedReason);
        Assert.Null(row.StreamOrdering);
        Assert.DoesNotContain(message.EventId, await db.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync());
    }

    [Fact]
    public async Task An_event_citing_a_rejected_auth_event_is_rejected()
    {
        // Carol, not even a member, claims power with her own power levels event: rejected.
        var forgedLevels = await RemoteEventAsync(EventTypes.PowerLevels, "", Carol, new JsonObject { ["users"] = new JsonObject { [Carol] = 100 } });
        Assert.Equal(IncomingOutcome.Rejected, (await ReceiveAsync(forgedLevels)).Outcome);

        var join = await RemoteEventAsync(EventTypes.Member, Carol, Carol, Join);
        var json = (JsonObject)join.Json.DeepClone();
        ((JsonArray)json["auth_events"]!).Add(forgedLevels.EventId);
        // Re-sign the tampered event as remote.test would have.
        json.Remove("signatures");
        json.Remove("hashes");
        EventSigning.HashAndSign(json, RoomVersions.V10, "remote.test", _remoteKey);
        var citing = PduParser.Parse(json, RoomVersions.V10);
        Assert.Equal(IncomingOutcome.Rejected, (await ReceiveAsync(citing)).Outcome);
    }

    [Fact]
    public async Task An_event_allowed_before_a_ban_but_not_after_it_is_soft_failed()
    {
        var join = await RemoteEventAsync(EventTypes.Member, Bob, Bob, Join);
        await ReceiveAsync(join);
        // Bob's server had not seen the ban: its message builds on his join.
        var message = await RemoteEventAsync(EventTypes.Message, null, Bob, new JsonObject { ["body"] = "sneaky" });
        await _server.SendEventsAsync(_roomId, EventDraft.Member(Bob, _alice.UserId, Memberships.Ban));

        Assert.Equal(IncomingOutcome.SoftFailed, (await ReceiveAsync(message)).Outcome);

        await using var db = Db();
        Assert.True((await db.Events.SingleAsync(e => e.EventId == message.EventId)).SoftFailed);
        Assert.DoesNotContain(message.EventId, await db.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync());
        Assert.Equal("ban", (await db.RoomMemberships.SingleAsync(m => m.RoomId == _roomId && m.UserId == Bob)).Membership);
    }

    [Fact]
    public async Task A_fork_is_resolved_into_the_current_state()
    {
        // Alice makes Bob a moderator; then both change the topic concurrently.
        var join = await RemoteEventAsync(EventTypes.Member, Bob, Bob, Join);
        await ReceiveAsync(join);
        await _server.SendEventsAsync(_roomId, EventDraft.State(EventTypes.PowerLevels, "", _alice.UserId,
            new JsonObject { ["users"] = new JsonObject { [_alice.UserId] = 100, [Bob] = 50 } }));
        await using (var db = Db())
        {
            var fork = await db.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync();
            await _server.SendEventsAsync(_roomId, EventDraft.State(EventTypes.Topic, "", _alice.UserId, new JsonObject { ["topic"] = "alice's" }));
            var bobTopic = await RemoteEventAsync(EventTypes.Topic, "", Bob, new JsonObject { ["topic"] = "bob's" }, prevEvents: fork);
            Assert.Equal(IncomingOutcome.Accepted, (await ReceiveAsync(bobTopic)).Outcome);
        }

        await using var check = Db();
        Assert.Equal(2, await check.ForwardExtremities.CountAsync(f => f.RoomId == _roomId));
        var topic = await _server.Services.GetRequiredService<RoomStateReader>().GetStateEventAsync(check, _roomId, EventTypes.Topic, "", CancellationToken.None);
        Assert.NotNull(topic);
        // v2 resolution orders the two topics by mainline and timestamp: the later one (Bob's) wins.
        Assert.Equal("bob's", topic!.Content["topic"]!.GetValue<string>());

        // The next local event merges the fork.
        var merged = await _server.SendMessageAsync(_roomId, _alice, "merged");
        Assert.Equal([merged], await check.ForwardExtremities.Where(f => f.RoomId == _roomId).Select(f => f.EventId).ToListAsync());
    }
}
