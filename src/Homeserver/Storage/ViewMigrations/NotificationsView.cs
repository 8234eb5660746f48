using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Matrix.Homeserver.Storage.ViewMigrations;

/// <summary>
/// <c>user_notifications</c>: every local user's notifications, as queries read them (the EventPushAction entity).
/// A user's own rows (but the "not notified" markers, actions <c>[]</c>), and each room's shared row for the members it
/// covers: joined at the event, not its sender, without a row of their own for it. The same SQL on both providers;
/// it lives outside Storage/Migrations, which scripts/migrations regenerates, and sorts after the generated migration.
/// </summary>
internal static class NotificationsView
{
    public const string Name = "user_notifications";
    public const string Id = "99990102000000_NotificationsView";

    public const string Create =
        """
        CREATE VIEW user_notifications AS
        SELECT user_id, room_id, event_id, stream_ordering, thread_id, highlight, actions, ts, written_at
        FROM event_push_actions
        WHERE actions <> '[]'
        UNION ALL
        SELECT m.user_id, r.room_id, r.event_id, r.stream_ordering, r.thread_id, r.highlight, r.actions, r.ts, r.written_at
        FROM room_push_actions AS r
        JOIN room_memberships AS m
            ON m.room_id = r.room_id AND m.membership = 'join' AND m.joined_at <= r.stream_ordering AND m.user_id <> r.sender
        WHERE NOT EXISTS (
            SELECT 1 FROM event_push_actions AS own WHERE own.user_id = m.user_id AND own.stream_ordering = r.stream_ordering);
        """;

    public const string Drop = "DROP VIEW IF EXISTS user_notifications;";
}

[DbContext(typeof(SqliteHomeserverDbContext))]
[Migration(NotificationsView.Id)]
internal sealed class SqliteNotificationsView : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(NotificationsView.Create);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(NotificationsView.Drop);
}

[DbContext(typeof(PostgresHomeserverDbContext))]
[Migration(NotificationsView.Id)]
internal sealed class PostgresNotificationsView : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(NotificationsView.Create);

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(NotificationsView.Drop);
}
