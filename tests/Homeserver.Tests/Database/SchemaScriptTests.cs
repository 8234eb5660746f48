using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Matrix.Homeserver.Tests.Database;

/// <summary>
/// A new database gets its schema from Storage/Schema's script instead of EF Core's migrator: the script must be what
/// the migrations make (scripts/migrations writes it), and a database made by it must be the one the migrations make.
/// </summary>
public sealed class SchemaScriptTests
{
    public static TheoryData<string> Providers => new() { "Sqlite", "Postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_script_is_what_the_migrations_make(string provider)
    {
        using var db = Create(provider, provider == "Sqlite" ? "Data Source=design-time.db" : "Host=localhost;Database=design_time");
        var generated = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.NoTransactions);
        // Run scripts/migrations when this fails: the migrations changed and Storage/Schema was not written again.
        Assert.Equal(Normalize(generated), Normalize(SchemaScript.Read(provider == "Sqlite")));
        // The server reads its list of migrations from the script's history rows.
        Assert.Equal(db.GetService<IMigrationsAssembly>().Migrations.Keys, SchemaScript.MigrationIds(provider == "Sqlite"));
    }

    [Fact]
    public async Task A_new_database_made_by_the_script_is_the_one_the_migrations_make()
    {
        await using var scripted = await TestDatabase.CreateAsync();
        await using var migrated = await TestDatabase.CreateAsync();
        await using (var db = Create(scripted.Provider, scripted.ConnectionString))
        {
            Assert.True(await SchemaScript.TryApplyAsync(db, CancellationToken.None));
        }

        await using (var db = Create(migrated.Provider, migrated.ConnectionString))
        {
            await db.Database.MigrateAsync();
        }

        var expected = await SchemaAsync(migrated);
        Assert.Contains(expected, line => line.Contains("event_search", StringComparison.Ordinal));
        Assert.Equal(expected, await SchemaAsync(scripted));
    }

    [Fact]
    public async Task A_script_that_fails_leaves_nothing_behind()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var db = Create(database.Provider, database.ConnectionString);
        // A table the script creates, already there: the script stops on it and its transaction is rolled back.
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE room_aliases (x INTEGER)");

        Assert.False(await SchemaScript.TryApplyAsync(db, CancellationToken.None));

        var tables = await RawSql.QueryAsync(db, database.Provider == "Sqlite"
            ? "SELECT name FROM sqlite_master"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", r => r.GetString(0), CancellationToken.None);
        Assert.Equal(["room_aliases"], tables);
    }

    private static HomeserverDbContext Create(string provider, string connectionString)
    {
        if (provider == "Sqlite")
        {
            var sqlite = new DbContextOptionsBuilder<SqliteHomeserverDbContext>();
            StorageSetup.ConfigureSqlite(sqlite, connectionString);
            return new SqliteHomeserverDbContext(sqlite.Options);
        }

        var postgres = new DbContextOptionsBuilder<PostgresHomeserverDbContext>();
        StorageSetup.ConfigurePostgres(postgres, connectionString);
        return new PostgresHomeserverDbContext(postgres.Options);
    }

    private static string Normalize(string script) => script.TrimStart('\uFEFF').ReplaceLineEndings("\n").Trim();

    /// <summary>Every table's columns, every index, view and trigger, as the database itself describes them, and the applied migrations.</summary>
    private static async Task<List<string>> SchemaAsync(TestDatabase database)
    {
        await using var db = Create(database.Provider, database.ConnectionString);
        var sql = database.Provider == "Sqlite"
            ? """
              SELECT m.tbl_name || ' ' || m.type || ' ' || m.name || ' ' || coalesce(m.sql, '') FROM sqlite_master AS m
              UNION ALL
              SELECT m.name || ' column ' || c.name || ' ' || c.type || ' ' || c."notnull" || ' ' || coalesce(c.dflt_value, '') || ' ' || c.pk
              FROM sqlite_master AS m, pragma_table_info(m.name) AS c WHERE m.type = 'table'
              UNION ALL SELECT 'history ' || migration_id FROM "__EFMigrationsHistory"
              """
            : """
              SELECT table_name || ' column ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
                  || ' ' || coalesce(generation_expression, '')
              FROM information_schema.columns WHERE table_schema = 'public'
              UNION ALL SELECT tablename || ' index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
              UNION ALL SELECT table_name || ' constraint ' || constraint_name || ' ' || constraint_type
              FROM information_schema.table_constraints WHERE table_schema = 'public' AND constraint_name NOT LIKE '%\_not\_null'
              UNION ALL SELECT viewname || ' view ' || definition FROM pg_views WHERE schemaname = 'public'
              UNION ALL SELECT event_object_table || ' trigger ' || trigger_name || ' ' || action_statement
              FROM information_schema.triggers WHERE trigger_schema = 'public'
              UNION ALL SELECT 'history ' || migration_id FROM "__EFMigrationsHistory"
              """;
        var lines = await RawSql.QueryAsync(db, sql, r => r.GetString(0), CancellationToken.None);
        // The migrator's lock table (SQLite) is its own machinery, made by whichever migrator runs, not the schema.
        return [.. lines.Where(line => !line.StartsWith("__EFMigrationsLock ", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }
}
