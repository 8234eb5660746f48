using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// A new database's schema as one script: what <c>dotnet ef migrations script</c> makes of this build's migrations
/// (history rows included), written beside them by scripts/migrations; SchemaScriptTests fails when it drifts.
/// Applying the migrations themselves builds each one's target model through EF Core's conventions (~4 MiB of types
/// that stay loaded, and a third of a second of a first start); the script is one round trip in one transaction.
/// </summary>
internal static class SchemaScript
{
    public static string Read(bool sqlite)
    {
        var name = sqlite ? "Schema.Sqlite.sql" : "Schema.Postgres.sql";
        using var stream = typeof(SchemaScript).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing from the build");
        using var reader = new StreamReader(stream); // drops the byte-order mark EF Core writes
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The migrations the script records in the history table: this build's migrations (SchemaScriptTests checks it).
    /// Read from here because EF Core finds its migrations by loading every type of the assembly (~3 MiB resident).
    /// </summary>
    public static List<string> MigrationIds(bool sqlite)
    {
        const string insert = "INSERT INTO \"__EFMigrationsHistory\"", values = "VALUES ('";
        var script = Read(sqlite);
        var ids = new List<string>();
        for (var at = script.IndexOf(insert, StringComparison.Ordinal); at >= 0; at = script.IndexOf(insert, at, StringComparison.Ordinal))
        {
            var start = script.IndexOf(values, at, StringComparison.Ordinal) + values.Length;
            at = script.IndexOf('\'', start);
            ids.Add(script[start..at]);
        }

        return ids;
    }

    /// <summary>
    /// Creates the schema of a database that has no history table. False when it could not (the PostgreSQL database
    /// does not exist yet, a table is already there, another server created it at the same moment): nothing of the
    /// script is left, and EF Core's migrator then does what it always did.
    /// </summary>
    public static async Task<bool> TryApplyAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var script = Read(db.Database.IsSqlite());
        var connection = db.Database.GetDbConnection();
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = script;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (DbException)
        {
            return false;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
