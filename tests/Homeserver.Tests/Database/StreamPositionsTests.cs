using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>The start-up's highest stream position, on the provider the suite runs against.</summary>
public sealed class StreamPositionsTests : IAsyncLifetime
{
    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HomeserverDbContext Db() => _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();

    private IEnumerable<StreamColumn> Sources => _server.Services.GetServices<IStreamSource>().Select(s => s.Positions);

    [Fact]
    public async Task A_notification_written_after_every_event_sets_the_highest_position_whichever_user_it_is_for()
    {
        await using var db = Db();
        var before = await StreamStartup.MaxPositionAsync(db, Sources, CancellationToken.None);
        // Notification positions are read per user: the highest is a middle user's, under lower ones of users before
        // and after it in the key's order, and above every other table's.
        var highest = before + 1_000;
        var rows = new[] { ("@a:localhost", before + 10), ("@m:localhost", before + 20), ("@m:localhost", highest), ("@z:localhost", before + 30) }
            .Select((r, i) => new EventPushAction
            {
                UserId = r.Item1, RoomId = "!r:localhost", EventId = $"$e{i}", StreamOrdering = i + 1, ThreadId = "main", Actions = "[\"notify\"]",
                WrittenAt = r.Item2,
            }).ToList();
        await EventNotifications.InsertAsync(db, new StoredNotifications(rows, []), CancellationToken.None);

        Assert.Equal(highest, await StreamStartup.MaxPositionAsync(db, Sources, CancellationToken.None));
    }

    [Fact]
    public async Task Without_notifications_the_other_tables_set_it()
    {
        await using var db = Db();
        Assert.Empty(await db.Set<EventPushAction>().ToListAsync());
        var others = Sources.Where(c => c.Entity != typeof(EventPushAction)).ToList();
        Assert.Equal(await StreamStartup.MaxPositionAsync(db, others, CancellationToken.None),
            await StreamStartup.MaxPositionAsync(db, Sources, CancellationToken.None));
    }
}
