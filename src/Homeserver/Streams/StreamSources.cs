using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Matrix.Homeserver.Streams;

/// <summary>
/// A table that stores stream positions. At start-up the generator resumes after the highest
/// position any source holds; each feature registers its own source.
/// </summary>
public interface IStreamSource
{
    StreamColumn Positions { get; }
}

/// <summary>
/// The entity type and the property whose column holds a source's stream positions. <paramref name="Key"/> names the
/// column a table's position index follows (an index on the key and then the position, none on the position alone):
/// the start-up then reads the highest position of each key.
/// </summary>
public sealed record StreamColumn(Type Entity, string Property, string? Key = null);

internal static class StreamStartup
{
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var max = await MaxPositionAsync(db, services.GetServices<IStreamSource>().Select(s => s.Positions), cancellationToken);
        services.GetRequiredService<StreamIdGenerator>().Initialize(max);
    }

    /// <summary>
    /// The highest position in any of the columns, in one statement of plain SQL: a LINQ query per source took EF Core
    /// a translation each, a tenth of a second of the server's start-up.
    /// </summary>
    internal static async Task<long> MaxPositionAsync(HomeserverDbContext db, IEnumerable<StreamColumn> columns, CancellationToken cancellationToken)
    {
        var generator = db.GetService<Microsoft.EntityFrameworkCore.Storage.ISqlGenerationHelper>();
        var keyScans = new List<string>();
        var maxima = new List<string>();
        foreach (var c in columns)
        {
            var entity = db.Model.FindEntityType(c.Entity) ?? throw new InvalidOperationException($"{c.Entity.Name} is not mapped");
            var tableName = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
            var table = generator.DelimitIdentifier(tableName);
            var column = generator.DelimitIdentifier(entity.FindProperty(c.Property)!.GetColumnName(store)!);
            if (c.Key is null)
            {
                maxima.Add($"SELECT MAX({column}) AS m FROM {table}");
                continue;
            }

            // Each key in turn (a skip through the index, one probe per key: a recursive query, which PostgreSQL and
            // SQLite both run), then each key's highest position, the index's last entry under it.
            var key = generator.DelimitIdentifier(entity.FindProperty(c.Key)!.GetColumnName(store)!);
            var keys = $"keys_{keyScans.Count}";
            keyScans.Add($"{keys}(k) AS (SELECT MIN({key}) FROM {table} UNION ALL " +
                $"SELECT (SELECT MIN({key}) FROM {table} WHERE {key} > {keys}.k) FROM {keys} WHERE {keys}.k IS NOT NULL)");
            maxima.Add($"SELECT (SELECT MAX({column}) FROM {table} WHERE {key} = {keys}.k) AS m FROM {keys}");
        }

        var with = keyScans.Count == 0 ? "" : $"WITH RECURSIVE {string.Join(", ", keyScans)} ";
        var sql = $"{with}SELECT COALESCE(MAX(m), 0) FROM ({string.Join(" UNION ALL ", maxima)}) AS positions";
        return (await RawSql.QueryAsync(db, sql, r => r.GetInt64(0), cancellationToken))[0];
    }
}
