using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Rooms;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>
/// Statistics PostgreSQL took while <c>events</c> held a few rooms, then many new rooms written before autovacuum analyzes
/// the table again (a load run's fill, a server joining rooms in bulk): each room's newest events must still be read
/// along the room's timeline index, not backwards along the stream index through every other room's events.
/// </summary>
public sealed class StaleStatisticsTests
{
    [PostgresFact]
    public async Task New_rooms_are_read_along_their_timeline_after_statistics_taken_with_few_rooms()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var services = new ServiceCollection().AddLogging()
            .AddHomeserverStorage(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = database.ConnectionString })
            .BuildServiceProvider();
        await StorageSetup.MigrateAsync(services, CancellationToken.None);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        // Four busy rooms, analyzed; then a hundred new rooms one after the other, not analyzed. Without the migration's
        // count of rooms both reads below took the stream index (EXPLAIN ANALYZE: 220 ms against 1.6 ms for the timelines).
        await ExecuteAsync(connection, "ALTER TABLE events SET (autovacuum_enabled = false)");
        await ExecuteAsync(connection, Insert(firstRoom: 0, rooms: 4, eventsPerRoom: 1000, firstStream: 1));
        await ExecuteAsync(connection, "ANALYZE events");
        await ExecuteAsync(connection, Insert(firstRoom: 4, rooms: 100, eventsPerRoom: 200, firstStream: 10_001));
        await ExecuteAsync(connection, "INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts) SELECT '!room' || n, '10', '@u:test', false, 0 FROM generate_series(0, 103) AS n");

        // The two per-room reads of a sync, as the server sends them: its timelines and the state at its position.
        var newRooms = Enumerable.Range(4, 100).Select(n => $"!room{n}").ToList();
        await using var db = await services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContextAsync();
        var timeline = await PlanAsync(TimelineLoader.LatestPerRoom(db, [.. newRooms], long.MinValue, 50_000, 11));
        var stateGroup = await PlanAsync(RoomStateMaps.StateGroups(db, newRooms, 50_000));

        foreach (var plan in new[] { timeline, stateGroup })
        {
            Assert.Contains("ix_events_timeline", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("ix_events_stream_ordering", plan, StringComparison.Ordinal);
        }
    }

    private static string Insert(int firstRoom, int rooms, int eventsPerRoom, int firstStream) => $"""
        INSERT INTO events (event_id, room_id, type, sender, origin_server_ts, depth, stream_ordering, json, outlier, soft_failed, state_group)
        SELECT '$e' || s, '!room' || ({firstRoom} + (s - {firstStream}) / {eventsPerRoom}), 'm.room.message', '@u:test', s, s, s, repeat('x', 400), false, false, 1
        FROM generate_series({firstStream}, {firstStream + (rooms * eventsPerRoom) - 1}) AS s
        """;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The plan of the query's own command, with its parameters.</summary>
    private static async Task<string> PlanAsync<T>(IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
        await command.Connection!.OpenAsync();
        try
        {
            return (string)(await command.ExecuteScalarAsync())!;
        }
        finally
        {
            await command.Connection.CloseAsync();
        }
    }
}
