using System.Diagnostics;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Sync;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Matrix.Homeserver.Tests.Sync;

/// <summary>
/// What a sync costs in SQL commands: an initial sync batches its reads over rooms (the count must
/// not grow with the number of rooms), and an idle incremental sync is a handful of indexed queries.
/// </summary>
public sealed class SyncCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestHomeserver _server = null!;
    private SqlCommandCounter _sql = null!;

    public async Task InitializeAsync()
    {
        _server = await TestHomeserver.StartAsync(s => s["Homeserver:Sync:PresenceEnabled"] = "false");
        _sql = new SqlCommandCounter(_server.Services.GetRequiredService<HomeserverOptions>().Database.ConnectionString!);
    }

    public async Task DisposeAsync()
    {
        _sql.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>Rooms created by Bob with messages before and after Alice joined (the older ones go through history visibility).</summary>
    private async Task<TestUser> UserInRoomsAsync(string prefix, int rooms, int messages)
    {
        var alice = await _server.CreateUserAsync(prefix + "-alice");
        var bob = await _server.CreateUserAsync(prefix + "-bob");
        for (var r = 0; r < rooms; r++)
        {
            var roomId = await _server.CreateRoomAsync(bob);
            for (var m = 0; m < messages; m++) await _server.SendMessageAsync(roomId, bob, $"before {m}");
            await _server.JoinAsync(roomId, alice);
            await _server.SendMessageAsync(roomId, bob, "after");
        }

        return alice;
    }

    private async Task<(int Commands, TimeSpan Elapsed, string NextBatch)> MeasureAsync(TestUser user, string? since = null)
    {
        _sql.Reset();
        var clock = Stopwatch.StartNew();
        var sync = await _server.SyncAsync(user, since: since);
        return (_sql.Count, clock.Elapsed, sync.NextBatch());
    }

    [Fact]
    public async Task Initial_sync_queries_do_not_grow_with_rooms_and_idle_incremental_syncs_are_cheap()
    {
        var few = await UserInRoomsAsync("few", rooms: 3, messages: 12);
        var many = await UserInRoomsAsync("many", rooms: 30, messages: 12);

        await MeasureAsync(few); // warms the server (compiled queries, caches)
        var (fewCommands, fewTime, _) = await MeasureAsync(few);
        var (manyCommands, manyTime, next) = await MeasureAsync(many);
        var (idleCommands, idleTime, _) = await MeasureAsync(many, since: next);
        output.WriteLine($"{_server.DatabaseProvider}: initial sync, 3 rooms: {fewCommands} commands, {fewTime.TotalMilliseconds:F0} ms; " +
            $"30 rooms: {manyCommands} commands, {manyTime.TotalMilliseconds:F0} ms; idle incremental: {idleCommands} commands, {idleTime.TotalMilliseconds:F0} ms");

        Assert.True(manyCommands <= fewCommands + 10, $"initial sync: {fewCommands} commands for 3 rooms but {manyCommands} for 30");
        // An idle incremental sync: memberships, timelines, unread notifications, at most one query per other stream.
        using var scope = _server.Services.CreateScope();
        var idleBound = 3 + scope.ServiceProvider.GetServices<ISyncStream>().Count();
        Assert.True(idleCommands <= idleBound, $"idle incremental sync ran {idleCommands} commands (bound {idleBound}):\n{_sql.Commands}");
    }
}
