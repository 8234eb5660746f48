using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// hs2 holds events hs1 never got, then pushes only the newest: hs1 fetches what it lacks from hs2 (the auth chain,
/// prev events with /get_missing_events, and the state at a gap with /state_ids) before taking the event in.
/// </summary>
[Collection(FederationEventsCollection.Name)]
public sealed class MissingEventsTests(FederationEventsFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    /// <summary>Builds messages on hs2 one after the other and stores them there only.</summary>
    private async Task<List<Pdu>> HeldOnHs2Async(string roomId, string sender, int count, Func<int, (string Type, string? StateKey, JsonObject Content)>? at = null)
    {
        var view = await Hs2.SnapshotAsync(roomId);
        var chain = new List<Pdu>();
        for (var i = 0; i < count; i++)
        {
            var (type, stateKey, content) = at?.Invoke(i) ?? (EventTypes.Message, null, FederatedRooms.Message($"held {i}"));
            var pdu = Hs2.Build(roomId, view, sender, type, stateKey, content);
            await Hs2.StoreAsReceivedAsync(pdu);
            view = view.After(pdu);
            chain.Add(pdu);
        }

        return chain;
    }

    [Fact]
    public async Task Missing_prev_events_are_fetched_with_get_missing_events()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var chain = await HeldOnHs2Async(roomId, bob.UserId, 4);

        var answer = await Hs2.PushAsync(Hs1.ServerName, [chain[^1]]);

        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[chain[^1].EventId]), answer.ToJsonString());
        Assert.True(await Hs1.WaitForTimelineAsync(chain.Select(p => p.EventId), TimeSpan.Zero));
        await using var db = Hs1.Db();
        Assert.Equal([chain[^1].EventId], await db.ForwardExtremities.Where(f => f.RoomId == roomId).Select(f => f.EventId).ToListAsync());
        // In DAG order on our stream too.
        var orderings = await db.Events.Where(e => chain.Select(p => p.EventId).Contains(e.EventId)).OrderBy(e => e.StreamOrdering).Select(e => e.EventId).ToListAsync();
        Assert.Equal(chain.Select(p => p.EventId), orderings);
    }

    [Fact]
    public async Task A_gap_beyond_get_missing_events_is_filled_with_the_state_at_it()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        // Bob renames himself first: that state change sits in the part of the gap hs1 never gets.
        var chain = await HeldOnHs2Async(roomId, bob.UserId, 15, i => i == 0
            ? (EventTypes.Member, bob.UserId, new JsonObject { ["membership"] = "join", ["displayname"] = "Bobby" })
            : (EventTypes.Message, null, FederatedRooms.Message($"held {i}")));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [chain[^1]]);

        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[chain[^1].EventId]), answer.ToJsonString());
        // /get_missing_events gave the 10 before it; the one before those came with the state, as an outlier.
        Assert.True(await Hs1.WaitForTimelineAsync(chain.Skip(4).Select(p => p.EventId), TimeSpan.Zero));
        Assert.True((await Hs1.EventRowAsync(chain[3].EventId))?.Outlier);
        Assert.Null(await Hs1.EventRowAsync(chain[1].EventId));
        // The rename reached hs1's state through the state at the gap.
        Assert.True((await Hs1.EventRowAsync(chain[0].EventId))?.Outlier);
        await using var db = Hs1.Db();
        var member = await db.RoomMemberships.SingleAsync(m => m.RoomId == roomId && m.UserId == bob.UserId);
        Assert.Equal("Bobby", member.DisplayName);
    }

    [Fact]
    public async Task A_pushed_event_whose_prev_events_its_sender_does_not_give_is_dropped()
    {
        // As Synapse: the origin's claimed state for such a gap is not asked for, let alone trusted.
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var view = await Hs2.SnapshotAsync(roomId);
        var unknown = Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("never stored anywhere"));
        var pushed = Hs2.Build(roomId, view.After(unknown), bob.UserId, EventTypes.Message, null, FederatedRooms.Message("after it"));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [pushed]);

        Assert.NotNull(answer[pushed.EventId]!["error"]);
        Assert.Null(await Hs1.EventRowAsync(pushed.EventId));
        Assert.Null(await Hs1.EventRowAsync(unknown.EventId));
    }

    [Fact]
    public async Task An_event_on_a_prev_event_we_rejected_starts_from_the_state_at_it_without_asking()
    {
        var (roomId, _, bob) = await fixture.SharedRoomAsync();
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        await Hs2.JoinOverFederationAsync(Hs1, roomId, carol);
        var joined = await Hs2.SnapshotAsync(roomId);
        var leave = Hs2.Build(roomId, joined, bob.UserId, EventTypes.Member, bob.UserId, FederatedRooms.Membership("leave"));
        await Hs2.StoreAsReceivedAsync(leave);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), (await Hs2.PushAsync(Hs1.ServerName, [leave]))[leave.EventId]));

        // Bob's message after his leave, citing his join: its auth events allow it, the state before it does not. Only
        // hs1 ever holds it (hs2 could not tell the state at it).
        var ghost = Hs2.Build(roomId, joined with { Depth = leave.Depth }, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("ghost"),
            prevEvents: [leave.EventId]);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), (await Hs2.PushAsync(Hs1.ServerName, [ghost]))[ghost.EventId]));
        var row = await Hs1.EventRowAsync(ghost.EventId);
        Assert.NotNull(row?.RejectedReason);
        Assert.NotNull(row.StateGroup);

        // Carol's message on it: the state at the rejected event is the state before it, no server asked.
        var afterGhost = Hs2.Build(roomId, joined.After(leave) with { Depth = ghost.Depth }, carol.UserId, EventTypes.Message, null,
            FederatedRooms.Message("on a rejected event"), prevEvents: [ghost.EventId]);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), (await Hs2.PushAsync(Hs1.ServerName, [afterGhost]))[afterGhost.EventId]));
        Assert.True(await Hs1.WaitForTimelineAsync([afterGhost.EventId], TimeSpan.Zero));

        // Rejected by its own auth events (Bob's leave among them) keeps the state before it as well.
        var left = joined.After(leave);
        var byAuthEvents = Hs2.Build(roomId, left with { Depth = afterGhost.Depth }, bob.UserId, EventTypes.Message, null, FederatedRooms.Message("ghost again"),
            prevEvents: [afterGhost.EventId]);
        await Hs2.PushAsync(Hs1.ServerName, [byAuthEvents]);
        Assert.NotNull((await Hs1.EventRowAsync(byAuthEvents.EventId))?.StateGroup);
        var afterIt = Hs2.Build(roomId, left with { Depth = byAuthEvents.Depth }, carol.UserId, EventTypes.Message, null,
            FederatedRooms.Message("on it"), prevEvents: [byAuthEvents.EventId]);
        await Hs2.PushAsync(Hs1.ServerName, [afterIt]);
        Assert.True(await Hs1.WaitForTimelineAsync([afterIt.EventId], TimeSpan.Zero));
        await using var db = Hs1.Db();
        Assert.Equal("leave", (await db.RoomMemberships.SingleAsync(m => m.RoomId == roomId && m.UserId == bob.UserId)).Membership);
    }

    [Fact]
    public async Task Unknown_auth_events_are_fetched_with_the_auth_chain()
    {
        var (roomId, _, _) = await fixture.SharedRoomAsync();
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        var held = await HeldOnHs2Async(roomId, carol.UserId, 2, i => i == 0
            ? (EventTypes.Member, carol.UserId, FederatedRooms.Membership("join"))
            : (EventTypes.Message, null, FederatedRooms.Message("hello")));

        var answer = await Hs2.PushAsync(Hs1.ServerName, [held[1]]);

        Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[held[1].EventId]), answer.ToJsonString());
        Assert.True(await Hs1.WaitForTimelineAsync(held.Select(p => p.EventId), TimeSpan.Zero));
        await using var db = Hs1.Db();
        Assert.Equal("join", (await db.RoomMemberships.SingleAsync(m => m.RoomId == roomId && m.UserId == carol.UserId)).Membership);
    }

    [Fact]
    public async Task An_event_whose_auth_events_nobody_gives_is_dropped()
    {
        var (roomId, _, _) = await fixture.SharedRoomAsync();
        var carol = await FederationEventsFixture.NewUserAsync(Hs2, "carol");
        var view = await Hs2.SnapshotAsync(roomId);
        // Carol's join exists nowhere: hs2 built it but never stored it, so it cannot give it either.
        var join = Hs2.Build(roomId, view, carol.UserId, EventTypes.Member, carol.UserId, FederatedRooms.Membership("join"));
        var message = Hs2.Build(roomId, view.After(join), carol.UserId, EventTypes.Message, null, FederatedRooms.Message("from nowhere"), prevEvents: view.Extremities);

        var answer = await Hs2.PushAsync(Hs1.ServerName, [message]);

        Assert.Contains("auth events", answer[message.EventId]?["error"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await Hs1.EventRowAsync(message.EventId));
    }
}
