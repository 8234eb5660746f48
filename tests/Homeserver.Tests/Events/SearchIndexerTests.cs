using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Search;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Matrix.Homeserver.Tests.Events;

/// <summary>
/// PostgreSQL writes the search text of the one-command batch just after its commit (<see cref="SearchIndexer"/>); SQLite
/// writes it with the event, so there is nothing of this to test there.
/// </summary>
public sealed class SearchIndexerTests(EventsServer fixture) : IClassFixture<EventsServer>
{
    private readonly TestHomeserver _server = fixture.Server;

    private async Task<List<string>> FoundAsync(TestUser user, string term, string roomId)
    {
        var criteria = new JsonObject { ["search_term"] = term, ["order_by"] = "recent", ["filter"] = new JsonObject { ["rooms"] = new JsonArray(roomId) } };
        var answer = (await _server.Http.PostJsonAsync("/_matrix/client/v3/search",
            new JsonObject { ["search_categories"] = new JsonObject { ["room_events"] = criteria } }, user.AccessToken)).Ok();
        return [.. answer["search_categories"]!["room_events"]!["results"]!.AsArray().Select(r => r!["result"]!["event_id"]!.GetValue<string>())];
    }

    private async Task<HomeserverDbContext> DbAsync() =>
        await _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();

    [PostgresFact]
    public async Task Text_left_unwritten_at_a_stop_is_written_at_the_next_start_and_a_redacted_message_stays_out()
    {
        var roomId = await fixture.RoomWithBobAsync();
        long before;
        await using (var db = await DbAsync())
        {
            // The first start recorded where the written text ends.
            Assert.NotNull(await db.StreamPositions.AsNoTracking().FirstOrDefaultAsync(s => s.Stream == SearchIndexer.Stream));
            before = await db.Events.MaxAsync(e => e.StreamOrdering) ?? 0;
        }

        var first = await _server.SayAsync(fixture.Alice, roomId, "narwhal one");
        var second = await _server.SayAsync(fixture.Bob, roomId, "narwhal two");
        var redacted = await _server.SayAsync(fixture.Alice, roomId, "narwhal three");
        (await _server.RedactAsync(fixture.Alice, roomId, redacted)).Ok();
        // A search right after the sends finds them: it waits for their queued text.
        Assert.Equal([second, first], await FoundAsync(fixture.Bob, "narwhal", roomId));

        // As after a stop between the commits and the text's write: the rows and the recorded position gone back.
        await using (var db = await DbAsync())
        {
            string[] ids = [first, second];
            await db.Set<Storage.Entities.EventSearchEntry>().Where(s => ids.Contains(s.EventId)).ExecuteDeleteAsync();
            await db.StreamPositions.Where(s => s.Stream == SearchIndexer.Stream).ExecuteUpdateAsync(s => s.SetProperty(p => p.Position, before));
        }

        Assert.Empty(await FoundAsync(fixture.Bob, "narwhal", roomId));

        // A new indexer over the same database, as at the next start: its process starts after the newest position.
        var streams = new Streams.StreamIdGenerator();
        await using (var db = await DbAsync()) streams.Initialize(await db.Events.MaxAsync(e => e.StreamOrdering) ?? 0);
        var restarted = ActivatorUtilities.CreateInstance<SearchIndexer>(_server.Services, streams);
        await ((IHostedService)restarted).StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(async () => (await FoundAsync(fixture.Bob, "narwhal", roomId)).Count >= 2, TimeSpan.FromSeconds(15));
            Assert.Equal([second, first], await FoundAsync(fixture.Bob, "narwhal", roomId));
            await using var db = await DbAsync();
            var recorded = await db.StreamPositions.AsNoTracking().FirstAsync(s => s.Stream == SearchIndexer.Stream);
            var last = await db.Events.Where(e => e.EventId == redacted).Select(e => e.StreamOrdering).FirstAsync();
            Assert.True(recorded.Position >= last, $"recorded {recorded.Position}, the last message at {last}");
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
            restarted.Dispose();
        }
    }

    [PostgresFact]
    public async Task Text_written_after_the_commit_carries_the_event_as_it_was_sent()
    {
        var roomId = await fixture.RoomWithBobAsync();
        var message = await _server.SayAsync(fixture.Alice, roomId, "a quokka\0smiles");
        Assert.Equal([message], await FoundAsync(fixture.Bob, "quokka", roomId));
        await using var db = await DbAsync();
        var row = await db.Set<Storage.Entities.EventSearchEntry>().AsNoTracking().SingleAsync(s => s.EventId == message);
        var stored = await db.Events.AsNoTracking().SingleAsync(e => e.EventId == message);
        Assert.Equal((roomId, fixture.Alice.UserId, "m.room.message", "content.body", "a quokka smiles"), (row.RoomId, row.Sender, row.Type, row.Key, row.Value));
        Assert.Equal((stored.StreamOrdering, stored.OriginServerTs), ((long?)row.StreamOrdering, row.OriginServerTs));
    }
}
