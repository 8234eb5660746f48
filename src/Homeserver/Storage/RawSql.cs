using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// Runs a hand-written query (recursive CTEs, full-text search) on the context's connection, in its
/// transaction if one is open. Values always travel as parameters; SQL text is built from constants.
/// </summary>
internal static class RawSql
{
    private static readonly Dictionary<string, object> NoParameters = [];

    /// <summary>A query without parameters (its text is constants only).</summary>
    public static Task<List<T>> QueryAsync<T>(HomeserverDbContext db, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        QueryAsync(db, sql, NoParameters, read, cancellationToken);

    public static async Task<List<T>> QueryAsync<T>(HomeserverDbContext db, string sql, IReadOnlyDictionary<string, object> parameters,
        Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
#pragma warning disable CA2100 // The SQL is assembled from constant fragments only; every value is a parameter.
            command.CommandText = sql;
#pragma warning restore CA2100
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            // Not EF Core's command, so not its interceptor's either.
            if (db.Database.IsNpgsql()) PostgresText.Clean(command.Parameters);

            var result = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) result.Add(read(reader));
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
