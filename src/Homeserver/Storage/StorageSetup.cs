using Matrix.Homeserver.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Matrix.Homeserver.Storage;

/// <summary>Registers the database context for the configured provider and migrates it at start-up.</summary>
public static class StorageSetup
{
    public const string DefaultSqliteConnectionString = "Data Source=./data/homeserver.db";

    public static IServiceCollection AddHomeserverStorage(this IServiceCollection services, DatabaseOptions database)
    {
        var connectionString = database.ConnectionString ?? DefaultSqliteConnectionString;
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddPooledDbContextFactory<PostgresHomeserverDbContext>(o => ConfigurePostgres(o, connectionString));
            services.AddSingleton<IDbContextFactory<HomeserverDbContext>, FactoryAdapter<PostgresHomeserverDbContext>>();
        }
        else
        {
            services.AddPooledDbContextFactory<SqliteHomeserverDbContext>(o => ConfigureSqlite(o, connectionString));
            services.AddSingleton<IDbContextFactory<HomeserverDbContext>, FactoryAdapter<SqliteHomeserverDbContext>>();
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<HomeserverDbContext>>().CreateDbContext());
        return services;
    }

    internal static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlite(connectionString, s => s.MigrationsAssembly(typeof(StorageSetup).Assembly.FullName))
         .UseSnakeCaseNamingConvention()
         .WithoutMigrateModelCheck();

    internal static void ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(WithPostgresDefaults(connectionString), s => s
                .MigrationsAssembly(typeof(StorageSetup).Assembly.FullName)
                .ConfigureDataSource(d => d.UsePhysicalConnectionInitializer(WarmTextSearch, WarmTextSearchAsync)))
         .AddInterceptors(PostgresText.Interceptor.Instance)
         .UseSnakeCaseNamingConvention()
         .WithoutMigrateModelCheck();

    /// <summary>
    /// MigrateAsync first looks for model changes that no migration holds, by building the model from the entity
    /// configuration (a quarter of a second of a first start). CompiledModelTests makes that check before a build ships.
    /// </summary>
    private static DbContextOptionsBuilder WithoutMigrateModelCheck(this DbContextOptionsBuilder o) =>
        o.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning));

    /// <summary>
    /// A new connection loads the English text-search dictionary at once (Snowball's stemmer and stop words): a
    /// backend's first <c>to_tsvector</c> takes about 5 ms, and it was paid by the first message each pooled connection
    /// wrote (the pool hands its idle connections out in turn, so after a burst every send found a cold one).
    /// </summary>
    private const string WarmTextSearchSql = "SELECT to_tsvector('english', 'warm')";

    private static void WarmTextSearch(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(WarmTextSearchSql, connection);
        command.ExecuteNonQuery();
    }

    private static async Task WarmTextSearchAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(WarmTextSearchSql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Npgsql settings the operator did not choose themselves: no session reset when a pooled connection is
    /// reused (we never change session state, and the reset was a round trip on every one of a send's
    /// several connection opens), and statements prepared once they repeat (the hot queries are few).
    /// </summary>
    internal static string WithPostgresDefaults(string connectionString)
    {
        // The plain builder keeps only the keys the string gives (Npgsql's knows every keyword).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose")) builder.NoResetOnClose = true;
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare")) builder.MaxAutoPrepare = 256;
        return builder.ConnectionString;
    }

    /// <summary>Creates the SQLite directory if needed, then applies every pending migration.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<HomeserverDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
            try
            {
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Configuration.ConfigurationException(
                    $"Homeserver:Database:ConnectionString: the SQLite database's directory {directory} cannot be created ({e.Message.TrimEnd('.')})");
            }
        }
        else
        {
            await CreatePostgresDatabaseAsync(db, cancellationToken);
        }

        // EF Core's migrator only when something is pending (it diffs the model against the migrations' snapshot, most
        // of a second of a start-up that has nothing to apply); a new database gets the whole schema from one script.
        var applied = await AppliedMigrationsAsync(db, cancellationToken);
        var upToDate = applied is null
            ? await SchemaScript.TryApplyAsync(db, cancellationToken)
            : SchemaScript.MigrationIds(db.Database.IsSqlite()).All(applied.Contains);
        if (!upToDate) await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (sync) proceed while a writer commits.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>
    /// A PostgreSQL database named in the connection string that does not exist yet is created first, as EF Core's
    /// migrator would: the schema script then applies to it, where every step before had failed on the connection (three
    /// "fail" lines in the log of a normal first start) and the slower migrator ran instead. EF Core's existence check
    /// expects the failure and logs it at Debug. Another server creating it at the same moment is fine. It is created as
    /// docs/operations.md advises (UTF-8, the C collation: IDs sort byte-wise, whatever the OS's locale data; Synapse
    /// insists on it too), from template0, through the cluster's maintenance database (postgres, else template1).
    /// </summary>
    private static async Task CreatePostgresDatabaseAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<Microsoft.EntityFrameworkCore.Storage.IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(cancellationToken)) return;
        var target = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
        // Npgsql connects to the database named like the user when the string names none.
        var name = target.Database ?? target.Username ?? throw new InvalidOperationException("The PostgreSQL connection string names no database");
        var sql = $"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'";
        foreach (var maintenance in (string[])["postgres", "template1"])
        {
            var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = maintenance, Pooling = false };
            try
            {
                await using var connection = new NpgsqlConnection(admin.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand(sql, connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName && maintenance == "postgres")
            {
                // No postgres database in this cluster: template1 always exists.
            }
        }
    }

    /// <summary>
    /// The history table's migration IDs, or null when there is no table (a new database). Read with plain SQL: EF Core's
    /// own check builds a model of the history table first, most of a tenth of a second of a start-up that has nothing to apply.
    /// </summary>
    private static async Task<List<string>?> AppliedMigrationsAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            // The migration's ID is the table's first column, whatever the naming convention calls it.
            return await RawSql.QueryAsync(db, $"SELECT * FROM \"{HistoryRepository.DefaultTableName}\"", r => r.GetString(0), cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // No history table yet, or a PostgreSQL database that does not exist yet.
            return null;
        }
    }

    private sealed class FactoryAdapter<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<HomeserverDbContext>
        where TContext : HomeserverDbContext
    {
        public HomeserverDbContext CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>Used by `dotnet ef` to build the SQLite migrations.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteHomeserverDbContext>
{
    public SqliteHomeserverDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteHomeserverDbContext>();
        StorageSetup.ConfigureSqlite(builder, "Data Source=design-time.db");
        return new SqliteHomeserverDbContext(builder.Options);
    }
}

/// <summary>Used by `dotnet ef` to build the PostgreSQL migrations (no server is contacted).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHomeserverDbContext>
{
    public PostgresHomeserverDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresHomeserverDbContext>();
        StorageSetup.ConfigurePostgres(builder, "Host=localhost;Database=design_time");
        return new PostgresHomeserverDbContext(builder.Options);
    }
}
