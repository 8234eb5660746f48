using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>The outbound sender between real servers: delivery both ways, outages, dead destinations, EDUs.</summary>
[Collection(FederationEventsCollection.Name)]
public sealed class SenderTests(FederationEventsFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private FederationOutbox Outbox(TestHomeserver server) => server.Services.GetRequiredService<FederationOutbox>();

    [Fact]
    public void A_membership_event_also_goes_to_its_targets_server_unless_it_is_an_invite()
    {
        var joined = new HashSet<string>(["hs2.test"]);
        // A kick or ban of the last user of a server: that server hears of it.
        Assert.Equal(["hs2.test", "hs3.test"], RoomEventsSender.Destinations(EventTypes.Member, "@bob:hs3.test", "leave", joined));
        Assert.Equal(["hs2.test", "hs3.test"], RoomEventsSender.Destinations(EventTypes.Member, "@bob:hs3.test", "ban", joined));
        // An invite reached its server through /invite; not in the room, that server takes no PDUs of it.
        Assert.Equal(["hs2.test"], RoomEventsSender.Destinations(EventTypes.Member, "@bob:hs3.test", "invite", joined));
        Assert.Equal(["hs2.test"], RoomEventsSender.Destinations(EventTypes.Message, null, null, joined));
    }

    [Fact]
    public async Task Messages_travel_both_ways()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();

        var fromAlice = await Hs1.SendMessageAsync(roomId, alice, "hi bob");
        Assert.True(await Hs2.WaitForTimelineAsync([fromAlice]));
        var fromBob = await Hs2.SendMessageAsync(roomId, bob, "hi alice");
        Assert.True(await Hs1.WaitForTimelineAsync([fromBob]));

        // Bob answered on top of Alice's message: both servers end on the same single extremity.
        foreach (var server in new[] { Hs1, Hs2 })
        {
            await using var db = server.Db();
            Assert.Equal([fromBob], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());
        }
    }

    [Fact]
    public async Task Everything_sent_while_a_destination_was_down_arrives_once_it_is_back_in_transactions_of_at_most_fifty()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        List<string> sent = [];
        fixture.Hs2AsSeenByHs1.IsUp = false;
        try
        {
            for (var i = 0; i < 60; i++) sent.Add(await Hs1.SendMessageAsync(roomId, alice, $"while down {i}"));
            Assert.True(await Outbox(Hs1).WaitUntilAsync(o => o.NextAttemptTs("hs2.test") is not null));
            Assert.False(await Hs2.WaitForTimelineAsync([sent[^1]], TimeSpan.FromMilliseconds(300)));
        }
        finally
        {
            fixture.Hs2AsSeenByHs1.IsUp = true;
        }

        Assert.True(await Hs2.WaitForTimelineAsync(sent));
        await using var db = Hs2.Db();
        var answers = await db.Set<ReceivedTransaction>().Where(t => t.Origin == "hs1.test").Select(t => t.ResponseJson).ToListAsync();
        Assert.All(answers, json => Assert.InRange(JsonNode.Parse(json)!["pdus"]!.AsObject().Count, 0, OutboxStore.MaxPdusPerTransaction));
        Assert.Contains(answers, json => sent.Any(id => JsonNode.Parse(json)!["pdus"]!.AsObject().ContainsKey(id)));
    }

    [Fact]
    public async Task A_dead_destination_does_not_delay_the_others()
    {
        var (roomId, alice, _) = await fixture.SharedRoomAsync();
        await fixture.Hs3.JoinOverFederationAsync(Hs1, roomId, await FederationEventsFixture.NewUserAsync(fixture.Hs3, "carol"));
        fixture.Hs3AsSeenByHs1.IsUp = false;
        try
        {
            var messages = new List<string>();
            for (var i = 0; i < 3; i++) messages.Add(await Hs1.SendMessageAsync(roomId, alice, $"to all {i}"));

            Assert.True(await Hs2.WaitForTimelineAsync(messages, TimeSpan.FromSeconds(10)));
            Assert.True(await Outbox(Hs1).WaitUntilAsync(o => o.NextAttemptTs("hs3.test") is not null));
            Assert.False(await fixture.Hs3.WaitForTimelineAsync([messages[^1]], TimeSpan.Zero));
        }
        finally
        {
            fixture.Hs3AsSeenByHs1.IsUp = true;
        }
    }

    [Fact]
    public async Task Edus_are_delivered_and_coalesced_while_queued()
    {
        fixture.Hs2AsSeenByHs1.IsUp = false;
        var store = Hs1.Services.GetRequiredService<OutboxStore>();
        var key = FederatedRooms.Unique("typing");
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await Outbox(Hs1).EnqueueEduAsync("hs2.test", "org.example.typing", new JsonObject { ["n"] = i }, coalescingKey: key);
            }

            await using var db = Hs1.Db();
            var queued = await db.Set<OutboundFederationItem>().Where(i => i.Destination == "hs2.test" && i.CoalescingKey == key).ToListAsync();
            // One was perhaps claimed by a first attempt before the others came; the rest became one.
            Assert.InRange(queued.Count, 1, 2);
            Assert.Contains(queued, i => JsonNode.Parse(i.EduContent!)!["n"]!.GetValue<int>() == 2);
        }
        finally
        {
            fixture.Hs2AsSeenByHs1.IsUp = true;
        }

        Assert.True(await Outbox(Hs1).WaitUntilAsync(async _ => await store.CountAsync("hs2.test", CancellationToken.None) == 0));
    }
}
