using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Events.Search;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Plain local messages (neither state nor redaction: nothing reads their rows back while the batch is written) sent
/// to PostgreSQL as one command: the events, their client transactions, search text and relations, their DAG edges,
/// the room's forward extremities moved past them, and their notifications. Outside an explicit transaction,
/// PostgreSQL runs the statements of one round trip as one implicit transaction, all or nothing, so a batch of
/// messages commits in one round trip where the context took four (transaction lookup, inserts, edges, commit).
/// </summary>
internal static class MessageRows
{
    /// <summary>A message to write: the event, its stream position, and the client transaction that sent it.</summary>
    public sealed record Message(Pdu Pdu, long StreamOrdering, ClientTransaction? Transaction, long ReceivedTs);

    /// <param name="notifications">The messages' notification rows, written in the same command (none when written before a state event).</param>
    public static async Task WriteAsync(HomeserverDbContext db, string roomId, long? stateGroup, IReadOnlyList<Message> messages,
        IReadOnlyList<EventPushAction> notifications, CancellationToken cancellationToken)
    {
        var sql = new Statements();
        sql.Parameters.Add(new NpgsqlParameter("room", roomId));
        sql.Parameters.Add(new NpgsqlParameter("group", NpgsqlDbType.Bigint) { Value = (object?)stateGroup ?? DBNull.Value });
        sql.Add(
            """
            INSERT INTO events (event_id, room_id, type, sender, origin_server_ts, depth, stream_ordering, json, state_group, outlier, soft_failed)
            SELECT id, @room, type, sender, ts, depth, ordering, json, @group, false, false
            FROM unnest(@ids, @types, @senders, @ts, @depths, @orderings, @jsons) AS m(id, type, sender, ts, depth, ordering, json)
            """,
            ("ids", messages.Select(m => m.Pdu.EventId).ToArray()),
            ("types", messages.Select(m => m.Pdu.Type).ToArray()),
            ("senders", messages.Select(m => m.Pdu.Sender).ToArray()),
            ("ts", messages.Select(m => m.Pdu.OriginServerTs).ToArray()),
            ("depths", messages.Select(m => m.Pdu.Depth).ToArray()),
            ("orderings", messages.Select(m => m.StreamOrdering).ToArray()),
            ("jsons", messages.Select(m => EventRows.JsonOf(m.Pdu)).ToArray()));

        var sent = messages.Where(m => m.Transaction is not null).ToList();
        if (sent.Count > 0)
        {
            sql.Add(
                "INSERT INTO event_transactions (user_id, device_id, path, txn_id, event_id, created_ts) SELECT * FROM unnest(@t_users, @t_devices, @t_paths, @t_ids, @t_events, @t_ts)",
                ("t_users", sent.Select(m => m.Pdu.Sender).ToArray()),
                ("t_devices", sent.Select(m => m.Transaction!.DeviceId).ToArray()),
                ("t_paths", sent.Select(m => m.Transaction!.Path).ToArray()),
                ("t_ids", sent.Select(m => m.Transaction!.TxnId).ToArray()),
                ("t_events", sent.Select(m => m.Pdu.EventId).ToArray()),
                ("t_ts", sent.Select(m => m.ReceivedTs).ToArray()));
        }

        var searchable = messages.Select(m => (m.Pdu, m.StreamOrdering, Text: SearchRows.Extract(m.Pdu))).Where(m => m.Text.Key is not null).ToList();
        if (searchable.Count > 0)
        {
            sql.Add(
                """
                INSERT INTO event_search (event_id, room_id, sender, type, key, value, stream_ordering, origin_server_ts)
                SELECT id, @room, sender, type, key, value, ordering, ts FROM unnest(@s_ids, @s_senders, @s_types, @s_keys, @s_values, @s_orderings, @s_ts)
                    AS s(id, sender, type, key, value, ordering, ts)
                """,
                ("s_ids", searchable.Select(m => m.Pdu.EventId).ToArray()),
                ("s_senders", searchable.Select(m => m.Pdu.Sender).ToArray()),
                ("s_types", searchable.Select(m => m.Pdu.Type).ToArray()),
                ("s_keys", searchable.Select(m => m.Text.Key!).ToArray()),
                ("s_values", searchable.Select(m => m.Text.Value!).ToArray()),
                ("s_orderings", searchable.Select(m => m.StreamOrdering).ToArray()),
                ("s_ts", searchable.Select(m => m.Pdu.OriginServerTs).ToArray()));
        }

        var related = messages.Select(m => (m.Pdu, m.StreamOrdering, Relation: RelatesTo.From(m.Pdu.Content))).Where(m => m.Relation is not null).ToList();
        if (related.Count > 0)
        {
            sql.Add(
                """
                INSERT INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key, room_id, sender, type, stream_ordering)
                SELECT id, parent, rel_type, key, @room, sender, type, ordering FROM unnest(@r_ids, @r_parents, @r_types, @r_keys, @r_senders, @r_event_types, @r_orderings)
                    AS r(id, parent, rel_type, key, sender, type, ordering)
                """,
                ("r_ids", related.Select(m => m.Pdu.EventId).ToArray()),
                ("r_parents", related.Select(m => m.Relation!.EventId).ToArray()),
                ("r_types", related.Select(m => m.Relation!.RelType).ToArray()),
                ("r_keys", related.Select(m => m.Relation!.Key).ToArray()),
                ("r_senders", related.Select(m => m.Pdu.Sender).ToArray()),
                ("r_event_types", related.Select(m => m.Pdu.Type).ToArray()),
                ("r_orderings", related.Select(m => m.StreamOrdering).ToArray()));
        }

        EventRows.AddLinkStatements(sql, messages.Select(m => m.Pdu).ToList());
        EventNotifications.AddInsertStatement(sql, notifications);
        await sql.ExecuteAsync(db, cancellationToken);
    }

    /// <summary>Statements sent together as one command, and their parameters (each name used once across them).</summary>
    internal sealed class Statements
    {
        private readonly System.Text.StringBuilder _text = new();

        public List<NpgsqlParameter> Parameters { get; } = [];

        public void Add(string statement, params (string Name, Array Values)[] arrays)
        {
            _text.Append(statement).Append(";\n");
            foreach (var (name, values) in arrays) Parameters.Add(new NpgsqlParameter(name, values));
        }

        /// <summary>The rows of one table, one array parameter per column (<see cref="BulkInsert"/>).</summary>
        public void AddBulkInsert(string table, IReadOnlyList<BulkColumn> columns, string prefix) =>
            Add(BulkInsert.PostgresStatement(table, columns, prefix), [.. columns.Select((c, i) => ($"{prefix}{i}", c.Values))]);

        public Task ExecuteAsync(HomeserverDbContext db, CancellationToken cancellationToken)
        {
            var text = _text.ToString();
            return db.Database.ExecuteSqlRawAsync(text, Parameters.ToArray<object>(), cancellationToken);
        }
    }
}
