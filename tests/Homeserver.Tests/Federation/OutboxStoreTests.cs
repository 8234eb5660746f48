using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>The durable queues on their own (a destination no loop serves): batching, transaction IDs, retries.</summary>
[Collection(FederationEventsCollection.Name)]
public sealed class OutboxStoreTests(FederationEventsFixture fixture)
{
    private OutboxStore Store => fixture.Hs1.Services.GetRequiredService<OutboxStore>();

    [Fact]
    public async Task Transactions_hold_at_most_fifty_pdus_and_a_hundred_edus_in_queue_order_under_rising_ids()
    {
        var destination = FederatedRooms.Unique("batch") + ".test";
        var events = Enumerable.Range(0, 120).Select(i => $"$event{i}").ToList();
        await Store.AddPdusAsync([.. events.Select(e => (destination, e))], null, CancellationToken.None);
        for (var i = 0; i < 150; i++) await Store.AddEduAsync(destination, "m.test", new JsonObject { ["i"] = i }, null, CancellationToken.None);

        var first = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(events.Take(OutboxStore.MaxPdusPerTransaction), first.EventIds);
        Assert.Equal(OutboxStore.MaxEdusPerTransaction, first.Edus.Count);
        Assert.Equal(0, first.Edus[0].Content["i"]!.GetValue<int>());

        // Not accepted yet: the retry is the very same transaction.
        var retry = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.Equal(first.TxnId, retry!.TxnId);
        Assert.Equal(first.EventIds, retry.EventIds);

        await Store.CompleteAsync(destination, first.TxnId, CancellationToken.None);
        var second = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.True(long.Parse(second!.TxnId, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(first.TxnId, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(events.Skip(50).Take(50), second.EventIds);
        Assert.Equal(50, second.Edus.Count);
        // Formed once the destination has its record (on PostgreSQL in one statement): a retry is again the same.
        var secondAgain = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.Equal(second.TxnId, secondAgain!.TxnId);
        Assert.Equal(second.EventIds, secondAgain.EventIds);
        Assert.Equal(50, secondAgain.Edus.Count);

        await Store.CompleteAsync(destination, second.TxnId, CancellationToken.None);
        var third = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.Equal(events.Skip(100), third!.EventIds);
        Assert.Empty(third.Edus);
        await Store.CompleteAsync(destination, third.TxnId, CancellationToken.None);
        Assert.Null(await Store.NextTransactionAsync(destination, CancellationToken.None));
    }

    [Fact]
    public async Task A_coalesced_edu_replaces_the_queued_one_but_never_one_already_in_a_transaction()
    {
        var destination = FederatedRooms.Unique("coalesce") + ".test";
        await Store.AddEduAsync(destination, "m.typing", new JsonObject { ["v"] = 1 }, "room", CancellationToken.None);
        await Store.AddEduAsync(destination, "m.typing", new JsonObject { ["v"] = 2 }, "room", CancellationToken.None);
        await Store.AddEduAsync(destination, "m.typing", new JsonObject { ["v"] = 9 }, "other", CancellationToken.None);

        var sent = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.Equal([2, 9], sent!.Edus.Select(e => e.Content["v"]!.GetValue<int>()));

        await Store.AddEduAsync(destination, "m.typing", new JsonObject { ["v"] = 3 }, "room", CancellationToken.None);
        var retry = await Store.NextTransactionAsync(destination, CancellationToken.None);
        Assert.Equal([2, 9], retry!.Edus.Select(e => e.Content["v"]!.GetValue<int>()));
        await Store.CompleteAsync(destination, sent.TxnId, CancellationToken.None);
        Assert.Equal([3], (await Store.NextTransactionAsync(destination, CancellationToken.None))!.Edus.Select(e => e.Content["v"]!.GetValue<int>()));
    }
}
