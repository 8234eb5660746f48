using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>The column-wise insert that bypasses the change tracker, on the provider the suite runs against.</summary>
public sealed class BulkInsertTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HomeserverDbContext Db() => _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    [Theory]
    [InlineData(1)]
    [InlineData(4000)] // more than one SQLite statement's worth of parameters
    public async Task Every_row_is_written_with_its_values(int count)
    {
        var rows = Enumerable.Range(0, count).Select(i => new EventPushAction
        {
            UserId = $"@u{i}:localhost", RoomId = "!r:localhost", EventId = $"$e{i % 7}", StreamOrdering = i, ThreadId = "main",
            Highlight = i % 2 == 0, Actions = "[\"notify\"]", Ts = 1000 + i, WrittenAt = 5,
        }).ToList();

        await using (var db = Db())
        {
            await BulkInsert.ExecuteAsync(db, "event_push_actions",
            [
                new("user_id", rows.Select(r => r.UserId).ToArray()),
                new("room_id", rows.Select(r => r.RoomId).ToArray()),
                new("event_id", rows.Select(r => r.EventId).ToArray()),
                new("stream_ordering", rows.Select(r => r.StreamOrdering).ToArray()),
                new("thread_id", rows.Select(r => r.ThreadId).ToArray()),
                new("highlight", rows.Select(r => r.Highlight).ToArray()),
                new("actions", rows.Select(r => r.Actions).ToArray()),
                new("ts", rows.Select(r => r.Ts).ToArray()),
                new("written_at", rows.Select(r => r.WrittenAt).ToArray()),
            ], CancellationToken.None);
        }

        await using var check = Db();
        var stored = await check.Set<EventPushAction>().AsNoTracking().OrderBy(a => a.StreamOrdering).ToListAsync();
        Assert.Equal(count, stored.Count);
        Assert.All(stored.Zip(rows), p => Assert.Equivalent(p.Second, p.First));
    }

    [Fact]
    public async Task A_failing_chunk_leaves_nothing_behind()
    {
        // The last row repeats the first one's key: the whole insert fails, including the chunks before it.
        var users = Enumerable.Range(0, 4000).Select(i => $"@u{i}:localhost").Append("@u0:localhost").ToArray();
        await using (var db = Db())
        {
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => BulkInsert.ExecuteAsync(db, "event_push_actions",
            [
                new("user_id", users),
                new("room_id", users.Select(_ => "!r:localhost").ToArray()),
                new("event_id", users.Select(_ => "$e").ToArray()),
                new("stream_ordering", users.Select(_ => 1L).ToArray()),
                new("thread_id", users.Select(_ => "main").ToArray()),
                new("highlight", users.Select(_ => false).ToArray()),
                new("actions", users.Select(_ => "[]").ToArray()),
                new("ts", users.Select(_ => 1L).ToArray()),
                new("written_at", users.Select(_ => 1L).ToArray()),
            ], CancellationToken.None));
        }

        await using var check = Db();
        Assert.Equal(0, await check.Set<EventPushAction>().CountAsync());
    }
}
