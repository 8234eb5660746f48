namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// A test of PostgreSQL's own behaviour (its plan cache, its sessions) that has no SQLite counterpart: it runs in the
/// suite's PostgreSQL pass (HOMESERVER_TEST_DB=postgres, which ./scripts/test always runs) and is reported as skipped
/// in the SQLite pass.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.SelectedProvider != "Postgres") Skip = "PostgreSQL only: runs in the suite's PostgreSQL pass";
    }
}
