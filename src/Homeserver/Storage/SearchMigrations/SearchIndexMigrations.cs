using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Matrix.Homeserver.Storage.SearchMigrations;

/// <summary>
/// The full-text index over event_search, which EF Core cannot model: raw SQL per provider. These
/// migrations live outside Storage/Migrations because scripts/migrations regenerates that folder; their
/// IDs sort after any generated migration, so EF applies them once the event_search table exists.
/// </summary>
internal static class SearchIndexMigration
{
    public const string Id = "99990101000000_SearchIndex";
}

/// <summary>SQLite: an FTS5 external-content table over event_search, kept in step by triggers.</summary>
[DbContext(typeof(SqliteHomeserverDbContext))]
[Migration(SearchIndexMigration.Id)]
internal sealed class SqliteSearchIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(
            """
            CREATE VIRTUAL TABLE event_search_fts USING fts5(value, content='event_search', content_rowid='id', tokenize='porter unicode61');
            """);
        migrationBuilder.Sql(
            """
            CREATE TRIGGER event_search_fts_insert AFTER INSERT ON event_search BEGIN
                INSERT INTO event_search_fts(rowid, value) VALUES (new.id, new.value);
            END;
            """);
        migrationBuilder.Sql(
            """
            CREATE TRIGGER event_search_fts_delete AFTER DELETE ON event_search BEGIN
                INSERT INTO event_search_fts(event_search_fts, rowid, value) VALUES ('delete', old.id, old.value);
            END;
            """);
        migrationBuilder.Sql(
            """
            CREATE TRIGGER event_search_fts_update AFTER UPDATE OF value ON event_search BEGIN
                INSERT INTO event_search_fts(event_search_fts, rowid, value) VALUES ('delete', old.id, old.value);
                INSERT INTO event_search_fts(rowid, value) VALUES (new.id, new.value);
            END;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS event_search_fts_update;");
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS event_search_fts_delete;");
        migrationBuilder.Sql("DROP TRIGGER IF EXISTS event_search_fts_insert;");
        migrationBuilder.Sql("DROP TABLE IF EXISTS event_search_fts;");
    }
}

/// <summary>PostgreSQL: a generated tsvector column (English stemming, as Synapse) with a GIN index.</summary>
[DbContext(typeof(PostgresHomeserverDbContext))]
[Migration(SearchIndexMigration.Id)]
internal sealed class PostgresSearchIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("ALTER TABLE event_search ADD COLUMN vector tsvector GENERATED ALWAYS AS (to_tsvector('english', value)) STORED;");
        migrationBuilder.Sql("CREATE INDEX ix_event_search_vector ON event_search USING GIN (vector);");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP INDEX IF EXISTS ix_event_search_vector;");
        migrationBuilder.Sql("ALTER TABLE event_search DROP COLUMN IF EXISTS vector;");
    }
}
