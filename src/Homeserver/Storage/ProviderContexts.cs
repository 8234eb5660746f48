using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>The SQLite flavour of the context; its migrations live in Storage/Migrations/Sqlite.</summary>
public sealed class SqliteHomeserverDbContext(DbContextOptions<SqliteHomeserverDbContext> options) : HomeserverDbContext(options);

/// <summary>The PostgreSQL flavour of the context; its migrations live in Storage/Migrations/Postgres.</summary>
public sealed class PostgresHomeserverDbContext(DbContextOptions<PostgresHomeserverDbContext> options) : HomeserverDbContext(options);
