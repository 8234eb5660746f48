using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Federation.Identifiers;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Tests.Events;

public sealed class EventStoreTests
{
    private static readonly SigningKey Key = SigningKey.Generate("t");
    private static readonly EventBuilder Builder = new(ServerName.Parse("store.test"), Key);

    private static Pdu Message(int i, int bodyLength) => Builder.Build(RoomVersions.V10, new EventTemplate
    {
        Type = "m.room.message",
        Sender = "@alice:store.test",
        RoomId = "!room:store.test",
        Content = new JsonObject { ["msgtype"] = "m.text", ["body"] = new string('x', bodyLength) + i },
        PrevEvents = [Id('p')],
        AuthEvents = [Id('c'), Id('l'), Id('m')],
        Depth = i + 10,
        OriginServerTs = 1_700_000_000_000 + i,
    });

    private static string Id(char c) => "$" + new string(c, 43);

    [Fact]
    public void The_cache_holds_as_many_small_events_as_its_bound_and_far_fewer_large_ones()
    {
        using var small = new EventStore();
        for (var i = 0; i < 1_000; i++) small.Remember(Message(i, 100));
        Assert.Equal(1_000, small.CachedCount);

        // Events of ~60 KiB weigh 30 units each: the cache keeps no more than its bound allows, however many arrive.
        using var large = new EventStore();
        for (var i = 0; i < 1_000; i++) large.Remember(Message(i, 60_000));
        Assert.InRange(large.CachedCount, 1, EventStore.MaxWeight / CacheWeight.OfJson(60_000));
    }

    [Fact]
    public void An_event_canonical_JSON_cannot_encode_is_cached_all_the_same()
    {
        // Unsigned data that canonical JSON refuses (a float), as a PDU built in memory may hold it.
        var invite = Message(1, 10);
        var json = (JsonObject)invite.Json.DeepClone();
        json["unsigned"] = new JsonObject { ["invite_room_state"] = new JsonArray(new JsonObject { ["content"] = new JsonObject { ["x"] = 1.5 } }) };
        var stored = Pdu.FromJson(json, invite.EventId, invite.Version);

        using var store = new EventStore();
        store.Remember(stored);
        Assert.Equal(1, store.CachedCount);
    }
}
