using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>How a <see cref="PostgresBatch"/> has PostgreSQL plan its statements.</summary>
public sealed class PostgresBatchTests : IAsyncLifetime
{
    private const string Insert = "INSERT INTO forward_extremities (room_id, event_id) SELECT $1, unnest($2)";

    private TestHomeserver _server = null!;

    public async Task InitializeAsync() => _server = await TestHomeserver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [PostgresFact]
    public async Task A_batch_runs_on_generic_plans_and_leaves_the_session_as_it_was()
    {
        await using var db = _server.Services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext();
        await db.Database.OpenConnectionAsync(); // one session for the batches and the checks

        // One-row arrays: a custom plan sees one row where the generic plan guesses ten, so left to itself PostgreSQL
        // would plan every execution anew. Npgsql prepares the statement from its fifth use on.
        for (var i = 0; i < 10; i++)
        {
            var batch = new PostgresBatch();
            batch.Add(Insert, "!plans:localhost", new[] { $"$e{i}" });
            await batch.ExecuteAsync(db, CancellationToken.None);
        }

        var plans = await db.Database
            .SqlQueryRaw<PlanCounts>("SELECT generic_plans AS \"Generic\", custom_plans AS \"Custom\" FROM pg_prepared_statements WHERE statement = {0}", Insert)
            .ToListAsync();
        var counts = Assert.Single(plans);
        Assert.True(counts.Generic > 0, "the prepared statement ran");
        Assert.Equal(0, counts.Custom);

        var mode = await db.Database.SqlQueryRaw<string>("SELECT current_setting('plan_cache_mode') AS \"Value\"").SingleAsync();
        Assert.Equal("auto", mode);
        Assert.Equal(10, await db.ForwardExtremities.CountAsync(f => f.RoomId == "!plans:localhost"));
    }

    private sealed record PlanCounts(long Generic, long Custom);
}
