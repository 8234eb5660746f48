using System.Collections.Concurrent;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>
/// A first start against a PostgreSQL database the operator named but did not create: the server creates it (UTF-8, C
/// collation) and gives it the schema script, as a normal start, with nothing logged as an error and without EF Core's migrator.
/// </summary>
public sealed class PostgresFirstStartTests
{
    [PostgresFact]
    public async Task A_database_that_does_not_exist_is_created_and_gets_the_schema_script_without_errors()
    {
        await using var existing = await TestDatabase.CreateAsync();
        var name = "hs_first_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = new NpgsqlConnectionStringBuilder(existing.ConnectionString) { Database = name }.ConnectionString;
        var logs = new LogLevels();
        var services = new ServiceCollection()
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Information).AddProvider(logs))
            .AddHomeserverStorage(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString })
            .BuildServiceProvider();
        try
        {
            await StorageSetup.MigrateAsync(services, CancellationToken.None);

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var history = new NpgsqlCommand("SELECT migration_id FROM \"__EFMigrationsHistory\" ORDER BY 1", connection);
            var applied = new List<string>();
            await using (var reader = await history.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) applied.Add(reader.GetString(0));
            }

            Assert.Equal(SchemaScript.MigrationIds(sqlite: false), applied);
            // As docs/operations.md has operators create it: UTF-8 and the C collation.
            await using var settings = new NpgsqlCommand(
                "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype FROM pg_database WHERE datname = current_database()", connection);
            Assert.Equal("UTF8 C C", await settings.ExecuteScalarAsync());
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
            // EF Core's migrator announces each migration it applies; the script applies them all at once, silently.
            Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.EntityFrameworkCore.Migrations", StringComparison.Ordinal));
        }
        finally
        {
            await services.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(existing.ConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private sealed class LogLevels : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogLevels provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue((category, logLevel));
        }
    }
}
