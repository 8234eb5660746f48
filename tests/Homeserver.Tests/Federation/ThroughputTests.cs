using System.Diagnostics;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// Many events each way between two servers: all arrive, in order; the rates are written to the test output.
/// </summary>
[Collection(FederationEventsCollection.Name)]
public sealed class ThroughputTests(FederationEventsFixture fixture, ITestOutputHelper output)
{
    private const int Events = 200;

    [Fact]
    public async Task Two_hundred_events_each_way_arrive_in_order()
    {
        var (roomId, alice, bob) = await fixture.SharedRoomAsync();

        // Inbound: a chain hs2 built (and holds), pushed in full transactions.
        var view = await fixture.Hs2.SnapshotAsync(roomId);
        var chain = new List<Pdu>();
        for (var i = 0; i < Events; i++)
        {
            var pdu = fixture.Hs2.Build(roomId, view, bob.UserId, EventTypes.Message, null, FederatedRooms.Message($"in {i}"));
            view = view.After(pdu);
            chain.Add(pdu);
        }

        await fixture.Hs2.StoreAsReceivedAsync([.. chain]);
        var clock = Stopwatch.StartNew();
        foreach (var batch in chain.Chunk(50))
        {
            var answer = await fixture.Hs2.PushAsync(fixture.Hs1.ServerName, batch);
            Assert.All(batch, pdu => Assert.True(JsonNode.DeepEquals(new JsonObject(), answer[pdu.EventId]), answer.ToJsonString()));
        }

        Report("inbound /send (4 transactions of 50, persisted when answered)", clock.Elapsed);

        // Outbound: local sends on hs1, delivered by its sender.
        clock.Restart();
        var sent = new List<string>();
        for (var i = 0; i < Events; i++) sent.Add(await fixture.Hs1.SendMessageAsync(roomId, alice, $"out {i}"));
        var sendTime = clock.Elapsed;
        Assert.True(await fixture.Hs2.WaitForTimelineAsync(sent, TimeSpan.FromMinutes(2)));
        Report("outbound: local sends on hs1", sendTime);
        Report("outbound: sent on hs1 and persisted on hs2", clock.Elapsed);

        await using var db = fixture.Hs2.Db();
        var order = db.Events.Where(e => sent.Contains(e.EventId)).OrderBy(e => e.StreamOrdering).Select(e => e.EventId).ToList();
        Assert.Equal(sent, order);
    }

    private void Report(string what, TimeSpan elapsed) =>
        output.WriteLine($"{what}: {Events} events in {elapsed.TotalMilliseconds:F0} ms, {Events / elapsed.TotalSeconds:F0} events/s");
}
