using Matrix.Homeserver.FederationApi.Backfill;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>hs2 joined late: its history of the room starts at its join until it backfills the rest from hs1.</summary>
[Collection(FederationEventsCollection.Name)]
public sealed class BackfillTests(FederationEventsFixture fixture)
{
    private TestHomeserver Hs1 => fixture.Hs1;
    private TestHomeserver Hs2 => fixture.Hs2;

    private RoomHistoryBackfiller Backfiller => Hs2.Services.GetRequiredService<RoomHistoryBackfiller>();

    [Fact]
    public async Task History_before_the_join_is_backfilled_oldest_lowest_until_the_create_event()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice);
        var history = new List<string>();
        for (var i = 0; i < 60; i++) history.Add(await Hs1.SendMessageAsync(roomId, alice, $"old {i}"));
        var join = await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);

        var rounds = 0;
        while (await Backfiller.BackfillAsync(roomId, CancellationToken.None) > 0) Assert.True(++rounds < 10, "backfill does not end");
        Assert.True(rounds >= 2, "60 messages and the room's first events take more than one request of 50");

        await using var db = Hs2.Db();
        var timeline = await db.Events.Where(e => e.RoomId == roomId && !e.Outlier && e.StreamOrdering != null)
            .OrderBy(e => e.StreamOrdering).Select(e => new { e.EventId, e.Type, e.StreamOrdering }).ToListAsync();
        // Everything from the create event on, in DAG order, the join last; history below zero.
        Assert.Equal("m.room.create", timeline[0].Type);
        Assert.Equal(join.EventId, timeline[^1].EventId);
        Assert.Equal(history, timeline.Where(e => history.Contains(e.EventId)).Select(e => e.EventId));
        Assert.All(timeline.Where(e => history.Contains(e.EventId)), e => Assert.True(e.StreamOrdering < 0));
        Assert.Equal(0, await Backfiller.BackfillAsync(roomId, CancellationToken.None));
    }

    [Fact]
    public async Task A_clients_backwards_page_past_the_join_backfills_the_history()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice);
        for (var i = 0; i < 20; i++) await Hs1.SendMessageAsync(roomId, alice, $"before bob {i}");
        await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);

        var page = (await Hs2.Http.GetJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=6", bob.AccessToken)).Ok();
        var chunk = page["chunk"]!.AsArray();
        Assert.Equal(6, chunk.Count);
        Assert.Equal("m.room.member", chunk[0]!["type"]!.GetValue<string>());
        Assert.Equal("before bob 19", chunk[1]!["content"]!["body"]!.GetValue<string>());
        Assert.NotNull(page["end"]);
    }

    [Fact]
    public async Task Backfilled_history_the_server_may_not_see_arrives_redacted()
    {
        var alice = await FederationEventsFixture.NewUserAsync(Hs1, "alice");
        var bob = await FederationEventsFixture.NewUserAsync(Hs2, "bob");
        var roomId = await Hs1.CreateRoomAsync(alice, historyVisibility: "joined");
        var secret = await Hs1.SendMessageAsync(roomId, alice, "before hs2 was here");
        await Hs2.JoinOverFederationAsync(Hs1, roomId, bob);

        Assert.True(await Backfiller.BackfillAsync(roomId, CancellationToken.None) > 0);

        var row = await Hs2.EventRowAsync(secret);
        Assert.NotNull(row);
        Assert.False(row.Outlier);
        Assert.DoesNotContain("before hs2 was here", row.Json, StringComparison.Ordinal);
    }
}
