using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Events;

public sealed class EventStoreTests
{
    private static readonly SigningKey Key = SigningKey.Generate("t");
    private static readonly EventBuilder Builder = new(ServerName.Parse("store.test"), Key);

    private static Pdu Message(int i, int bodyLength) => Build(i, "m.room.message", null, new JsonObject { ["msgtype"] = "m.text", ["body"] = new string('x', bodyLength) + i });

    private static Pdu State(int i, int topicLength) => Build(i, "m.room.topic", "", new JsonObject { ["topic"] = new string('x', topicLength) + i });

    private static Pdu Build(int i, string type, string? stateKey, JsonObject content) => Builder.Build(RoomVersions.V10, new EventTemplate
    {
        Type = type,
        StateKey = stateKey,
        Sender = "@alice:store.test",
        RoomId = "!room:store.test",
        Content = content,
        PrevEvents = [Id('p')],
        AuthEvents = [Id('c'), Id('l'), Id('m')],
        Depth = i + 10,
        OriginServerTs = 1_700_000_000_000 + i,
    });

    private static string Id(char c) => "$" + new string(c, 43);

    [Fact]
    public void The_cache_holds_as_many_small_events_as_its_bound_and_far_fewer_large_ones()
    {
        var small = new EventStore();
        for (var i = 0; i < 1_000; i++) small.Remember(State(i, 100));
        Assert.Equal(1_000, small.ParsedCount);

        // Events of ~60 KiB weigh 30 units each: the cache keeps no more than its bound allows, however many arrive.
        var large = new EventStore();
        for (var i = 0; i < 1_000; i++) large.Remember(State(i, 60_000));
        Assert.InRange(large.ParsedCount, 1, EventStore.ParsedWeight / CacheWeight.OfJson(60_000));
    }

    [Fact]
    public async Task Messages_just_written_go_to_the_small_recent_tier_and_leave_the_state_events_parsed()
    {
        var store = new EventStore();
        var topic = State(0, 100);
        store.Remember(topic);
        var messages = Enumerable.Range(0, 1_000).Select(i => Message(i, 100)).ToList();
        foreach (var message in messages) store.Remember(message);

        Assert.Equal(1, store.ParsedCount);
        Assert.InRange(store.RecentCount, EventStore.RecentWeight / 2, EventStore.RecentWeight);

        // The newest messages and the state event are served from memory: a read of them never asks the database.
        var newest = messages[^10..].Select(m => m.EventId).Append(topic.EventId).ToList();
        var found = await store.GetManyAsync(new NoDatabase(), newest, CancellationToken.None);
        Assert.Equal(newest.Count, found.Count);
        Assert.Same(messages[^1], found[messages[^1].EventId]);
        Assert.Same(topic, found[topic.EventId]);
    }

    /// <summary>A source whose database may not be asked for.</summary>
    private sealed class NoDatabase : IDbSource
    {
        public HomeserverDbContext Db => throw new InvalidOperationException("the database was asked for");
    }

    [Fact]
    public async Task Events_read_from_the_database_stay_as_bytes_after_they_left_the_parsed_tier()
    {
        await using var server = await TestHomeserver.StartAsync();
        var alice = await server.RegisterAsync("alice");
        var roomId = await server.CreateRoomAsync(alice);
        var sent = new List<string>();
        for (var i = 0; i < 5; i++) sent.Add(await server.SendMessageAsync(roomId, alice, $"message {i}"));

        var factory = server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var store = new EventStore();
        var read = await store.GetManyAsync(db, sent, CancellationToken.None);
        Assert.Equal(sent.Count, read.Count);
        Assert.Equal(sent.Count, store.BytesCount);

        // Newer events push them out of the parsed tier, and the database forgets them: their bytes still serve them.
        for (var i = 0; i < EventStore.ParsedWeight * 2; i++) store.Remember(State(i, 100));
        await db.Events.Where(e => sent.Contains(e.EventId)).ExecuteDeleteAsync();
        var again = await store.GetManyAsync(db, sent, CancellationToken.None);
        Assert.Equal(sent.Count, again.Count);
        Assert.All(sent, id => Assert.True(JsonNode.DeepEquals(read[id].Json, again[id].Json)));
        Assert.All(sent, id => Assert.Equal(read[id].Version, again[id].Version));
    }

    [Fact]
    public void An_event_canonical_JSON_cannot_encode_is_cached_all_the_same()
    {
        // Unsigned data that canonical JSON refuses (a float), as a PDU built in memory may hold it.
        var invite = Message(1, 10);
        var json = (JsonObject)invite.Json.DeepClone();
        json["unsigned"] = new JsonObject { ["invite_room_state"] = new JsonArray(new JsonObject { ["content"] = new JsonObject { ["x"] = 1.5 } }) };
        var stored = Pdu.FromJson(json, invite.EventId, invite.Version);

        var store = new EventStore();
        store.Remember(stored);
        Assert.Equal(1, store.RecentCount);
    }
}
