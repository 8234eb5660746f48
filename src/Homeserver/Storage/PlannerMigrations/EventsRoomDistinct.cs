using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Matrix.Homeserver.Storage.PlannerMigrations;

/// <summary>
/// PostgreSQL: the planner's count of rooms in <c>events</c> grows with the table (a room per hundred events), instead
/// of the count its last <c>ANALYZE</c> sampled. Statistics taken while the table held a few rooms made a new room look
/// like a quarter of the table; the newest events of each of a sync's rooms were then read backwards along the stream
/// index, through every other room's events (100 new rooms of 1 000 events: 1.7 s a query, against 3 ms along the
/// room's timeline index) until autovacuum analyzed the table again, up to a minute later. The rooms the sample saw
/// keep their own frequencies. Lives outside Storage/Migrations (regenerated) and sorts after the generated migration.
/// </summary>
[DbContext(typeof(PostgresHomeserverDbContext))]
[Migration("99990103000000_EventsRoomDistinct")]
internal sealed class PostgresEventsRoomDistinct : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE events ALTER COLUMN room_id SET (n_distinct = -0.01);");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE events ALTER COLUMN room_id RESET (n_distinct);");
}
