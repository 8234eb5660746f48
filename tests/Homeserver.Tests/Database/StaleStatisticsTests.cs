using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
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
        await using (var services = new ServiceCollection().AddLogging()
            .AddHomeserverStorage(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = database.ConnectionString })
            .BuildServiceProvider())
        {
            await StorageSetup.MigrateAsync(services, CancellationToken.None);
        }

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        // Four busy rooms, analyzed; then a hundred new rooms one after the other, not analyzed. Without the migration's
        // count of rooms both reads below took the stream index (EXPLAIN ANALYZE: 220 ms against 1.6 ms for the timelines).
        await ExecuteAsync(connection, "ALTER TABLE events SET (autovacuum_enabled = false)");
        await ExecuteAsync(connection, Insert(firstRoom: 0, rooms: 4, eventsPerRoom: 1000, firstStream: 1));
        await ExecuteAsync(connection, "ANALYZE events");
        await ExecuteAsync(connection, Insert(firstRoom: 4, rooms: 100, eventsPerRoom: 200, firstStream: 10_001));

        const string newRooms = "(SELECT array_agg('!room' || n) FROM generate_series(4, 103) AS n)";
        // The two per-room reads of a sync: its timelines (TimelineLoader's LATERAL query) and the state at its position.
        var timeline = await PlanAsync(connection, $"""
            SELECT e.* FROM unnest({newRooms}) AS r(room_id) CROSS JOIN LATERAL (
                SELECT * FROM events WHERE room_id = r.room_id AND stream_ordering > -9223372036854775808 AND stream_ordering <= 50000
                    AND NOT outlier AND rejected_reason IS NULL AND NOT soft_failed
                ORDER BY stream_ordering DESC LIMIT 11) AS e
            """);
        var stateGroup = await PlanAsync(connection, $"""
            SELECT r.room_id, (SELECT e.state_group FROM events AS e
                WHERE e.stream_ordering IS NOT NULL AND NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed
                    AND e.stream_ordering <= 50000 AND e.room_id = r.room_id
                ORDER BY e.stream_ordering DESC LIMIT 1)
            FROM unnest({newRooms}) AS r(room_id)
            """);

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

    private static async Task<string> PlanAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
