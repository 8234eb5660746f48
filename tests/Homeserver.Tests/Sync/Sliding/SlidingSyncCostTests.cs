using System.Diagnostics;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Matrix.Homeserver.Tests.Sync.Sliding;

/// <summary>
/// What a sliding sync costs in SQL commands, for Element X's room list shape: a first answer
/// batches its reads over the rooms of the range (the count must not grow with them), and an idle
/// incremental answer reads the list and nothing per room.
/// </summary>
public sealed class SlidingSyncCostTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The list's reads (memberships with latest events, room facts, m.direct) and nothing else.</summary>
    private const int IdleBound = 4;

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

    private static JsonObject Body() => SlidingClient.ListBody(0, 99, timelineLimit: 1, requiredState: new JsonArray(
        new JsonArray(EventTypes.Member, "$LAZY"), new JsonArray(EventTypes.Member, "$ME"), new JsonArray(EventTypes.Name, ""),
        new JsonArray(EventTypes.Avatar, ""), new JsonArray(EventTypes.Encryption, ""), new JsonArray(EventTypes.Create, "")));

    private async Task<TestUser> UserInRoomsAsync(string prefix, int rooms)
    {
        var alice = await _server.CreateUserAsync(prefix + "-alice");
        var bob = await _server.CreateUserAsync(prefix + "-bob");
        for (var r = 0; r < rooms; r++)
        {
            var roomId = await _server.CreateRoomAsync(bob);
            await _server.JoinAsync(roomId, alice);
            await _server.SendMessageAsync(roomId, bob, "hello");
        }

        return alice;
    }

    private async Task<(int Commands, TimeSpan Elapsed, JsonObject Answer, string Sql)> MeasureAsync(TestUser user, string? pos = null)
    {
        // Once in a full run on a loaded machine, EF Core's diagnostics reported no command at all for an answer that
        // ran them (its logger skips events for a while after a command nobody listened to): an answer seen to run
        // nothing is measured again, a bounded number of times. Same request, same answer.
        for (var attempt = 0; ; attempt++)
        {
            _sql.Reset();
            var clock = Stopwatch.StartNew();
            var answer = await _server.SlidingAsync(user, Body(), pos);
            if (_sql.Count > 0 || attempt == 2) return (_sql.Count, clock.Elapsed, answer, _sql.Commands);
        }
    }

    [Fact]
    public async Task A_first_answer_does_not_grow_with_rooms_and_an_idle_one_reads_only_the_list()
    {
        var few = await UserInRoomsAsync("ss-few", rooms: 3);
        var many = await UserInRoomsAsync("ss-many", rooms: 30);

        await MeasureAsync(few); // warms the server (compiled queries, caches)
        var (fewCommands, fewTime, _, fewSql) = await MeasureAsync(few);
        var (manyCommands, manyTime, first, manySql) = await MeasureAsync(many);
        var (idleCommands, idleTime, idle, idleSql) = await MeasureAsync(many, first.Pos());
        output.WriteLine($"{_server.DatabaseProvider}: first answer, 3 rooms: {fewCommands} commands, {fewTime.TotalMilliseconds:F0} ms; " +
            $"30 rooms: {manyCommands} commands, {manyTime.TotalMilliseconds:F0} ms; idle: {idleCommands} commands, {idleTime.TotalMilliseconds:F0} ms");

        Assert.Equal(30, first.RoomIds().Count);
        Assert.Empty(idle.RoomIds());
        Assert.True(manyCommands <= fewCommands + 5, $"first answer: {fewCommands} commands for 3 rooms but {manyCommands} for 30:\n{manySql}\n=== 3 rooms:\n{fewSql}");
        Assert.True(idleCommands <= IdleBound, $"idle answer ran {idleCommands} commands (bound {IdleBound}):\n{idleSql}");
    }
}
