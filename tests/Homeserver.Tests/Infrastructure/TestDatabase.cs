using Microsoft.Data.Sqlite;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database for one test server, on the provider chosen by HOMESERVER_TEST_DB
/// (sqlite, the default, or postgres). PostgreSQL comes from HOMESERVER_TEST_PG (an admin connection
/// string, set by scripts/test's throwaway cluster) or, when HOMESERVER_TEST_USE_DOCKER=1, from Testcontainers.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _sqliteDirectory;
    private readonly string? _postgresName;

    private TestDatabase(string provider, string connectionString, string? sqliteDirectory, string? postgresName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteDirectory = sqliteDirectory;
        _postgresName = postgresName;
    }

    public string Provider { get; }
    public string ConnectionString { get; }

    public static string SelectedProvider =>
        Environment.GetEnvironmentVariable("HOMESERVER_TEST_DB")?.ToLowerInvariant() == "postgres" ? "Postgres" : "Sqlite";

    public static async Task<TestDatabase> CreateAsync()
    {
        if (SelectedProvider == "Sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("hs-test-db-").FullName;
            return new TestDatabase("Sqlite", $"Data Source={Path.Combine(dir, "homeserver.db")}", dir, null);
        }

        var admin = await PostgresServer.AdminConnectionStringAsync();
        var name = "hs_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true };
        return new TestDatabase("Postgres", builder.ConnectionString, null, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sqliteDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(_sqliteDirectory, recursive: true); } catch (IOException) { }
        }

        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(await PostgresServer.AdminConnectionStringAsync());
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>One PostgreSQL server per test run.</summary>
    private static class PostgresServer
    {
        private static readonly Lazy<Task<string>> Admin = new(StartAsync);

        public static Task<string> AdminConnectionStringAsync() => Admin.Value;

        private static async Task<string> StartAsync()
        {
            if (Environment.GetEnvironmentVariable("HOMESERVER_TEST_PG") is { Length: > 0 } given) return given;
            if (Environment.GetEnvironmentVariable("HOMESERVER_TEST_USE_DOCKER") == "1")
            {
                var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
                await container.StartAsync();
                return container.GetConnectionString();
            }

            throw new InvalidOperationException(
                "HOMESERVER_TEST_DB=postgres needs HOMESERVER_TEST_PG (an admin connection string) or a Docker engine; run ./scripts/test");
        }
    }
}
