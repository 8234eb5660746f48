using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>One column of a <see cref="BulkInsert"/>: its name and one value per row (string[], long[], bool[]…).</summary>
public sealed record BulkColumn(string Name, Array Values);

/// <summary>
/// Inserts many rows of one table in one statement, bypassing EF Core's change tracker, which costs tens of
/// microseconds per tracked row and sends one INSERT per row (a message in a busy room writes a notification
/// row for every member). PostgreSQL gets one array per column (`unnest`), so the statement's text is the same
/// for any row count and stays prepared; SQLite gets multi-row VALUES, in chunks under its parameter limit.
/// Runs in the context's current transaction if there is one, else in its own. Table and column names are the
/// caller's constants; every value goes as a parameter.
/// </summary>
public static class BulkInsert
{
    private const int SqliteParametersPerStatement = 30_000;

    public static async Task ExecuteAsync(HomeserverDbContext db, string table, IReadOnlyList<BulkColumn> columns, CancellationToken cancellationToken)
    {
        var count = columns[0].Values.Length;
        if (count == 0) return;
        if (db.Database.IsNpgsql())
        {
            var batch = new PostgresBatch();
            AddTo(batch, table, columns);
            await batch.ExecuteAsync(db, cancellationToken);
            return;
        }

        var names = string.Join(", ", columns.Select(c => c.Name));

        var rowsPerStatement = Math.Max(1, SqliteParametersPerStatement / columns.Count);
        var transaction = count > rowsPerStatement && db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        await using (transaction)
        {
            for (var first = 0; first < count; first += rowsPerStatement)
            {
                var rows = Math.Min(rowsPerStatement, count - first);
                var values = new List<object?>(rows * columns.Count);
                var tuples = new System.Text.StringBuilder();
                for (var r = first; r < first + rows; r++)
                {
                    tuples.Append(r == first ? "(" : ", (");
                    for (var c = 0; c < columns.Count; c++)
                    {
                        if (c > 0) tuples.Append(", ");
                        tuples.Append("@p").Append(values.Count);
                        values.Add(columns[c].Values.GetValue(r));
                    }

                    tuples.Append(')');
                }

                var parameters = values.Select((v, i) => new Microsoft.Data.Sqlite.SqliteParameter($"p{i}", v ?? DBNull.Value)).ToArray<object>();
                var sql = $"INSERT INTO {table} ({names}) VALUES {tuples}";
                await db.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken);
            }

            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>PostgreSQL's insert of the columns' arrays (one parameter each), added to a batch.</summary>
    internal static void AddTo(PostgresBatch batch, string table, IReadOnlyList<BulkColumn> columns)
    {
        var values = new object[columns.Count];
        for (var i = 0; i < columns.Count; i++) values[i] = columns[i].Values;
        batch.Add($"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))}) SELECT * FROM unnest({string.Join(", ", columns.Select((_, i) => $"${i + 1}"))})",
            values);
    }
}
