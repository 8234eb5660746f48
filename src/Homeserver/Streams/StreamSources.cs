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

/// <summary>The entity type and the property whose column holds a source's stream positions.</summary>
public sealed record StreamColumn(Type Entity, string Property);

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
        var maxima = columns.Select(c =>
        {
            var entity = db.Model.FindEntityType(c.Entity) ?? throw new InvalidOperationException($"{c.Entity.Name} is not mapped");
            var table = entity.GetTableName()!;
            var column = entity.FindProperty(c.Property)!.GetColumnName(StoreObjectIdentifier.Table(table, entity.GetSchema()))!;
            return $"SELECT MAX({generator.DelimitIdentifier(column)}) AS m FROM {generator.DelimitIdentifier(table)}";
        });
        var sql = $"SELECT COALESCE(MAX(m), 0) FROM ({string.Join(" UNION ALL ", maxima)}) AS positions";
        return (await RawSql.QueryAsync(db, sql, r => r.GetInt64(0), cancellationToken))[0];
    }
}
