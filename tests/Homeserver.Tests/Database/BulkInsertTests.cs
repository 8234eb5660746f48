using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>The column-wise insert that bypasses the change tracker (through its first user, notifications), on the provider the suite runs against.</summary>
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

        await using (var db = Db()) await EventNotifications.InsertAsync(db, new StoredNotifications(rows, []), CancellationToken.None);

        await using var check = Db();
        var stored = await check.Set<EventPushAction>().AsNoTracking().OrderBy(a => a.StreamOrdering).ToListAsync();
        Assert.Equal(count, stored.Count);
        Assert.All(stored.Zip(rows), p => Assert.Equivalent(p.Second, p.First));
    }

    [Fact]
    public async Task A_failing_chunk_leaves_nothing_behind()
    {
        // The last row repeats the first one's key: the whole insert fails, including the chunks before it.
        var rows = Enumerable.Range(0, 4000).Append(0).Select(i => new EventPushAction
        {
            UserId = $"@u{i}:localhost", RoomId = "!r:localhost", EventId = "$e", ThreadId = "main", Actions = "[]",
        }).ToList();
        await using (var db = Db())
        {
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => EventNotifications.InsertAsync(db, new StoredNotifications(rows, []), CancellationToken.None));
        }

        await using var check = Db();
        Assert.Equal(0, await check.Set<EventPushAction>().CountAsync());
    }
}
