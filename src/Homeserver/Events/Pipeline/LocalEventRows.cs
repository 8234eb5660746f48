using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Npgsql;
using NpgsqlTypes;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// Local messages and state events (not redactions, which read their target's row: nothing reads these rows back while
/// the batch is written) sent to PostgreSQL as one <see cref="PostgresBatch"/>: the events, the state they make
/// (<see cref="StateRows"/>), their client transactions and relations, their DAG edges, the room's forward extremities
/// moved past them, and their notifications (their search text follows the commit: <see cref="Search.SearchIndexer"/>). Outside an explicit transaction, PostgreSQL runs the statements
/// of one round trip as one implicit transaction, all or nothing, so a batch of messages commits in one round trip where
/// the context took four (transaction lookup, inserts, edges, commit), and a state event in one where it took nine.
/// </summary>
internal static class LocalEventRows
{
    /// <summary>
    /// An event to write: the event, its stream position, the client transaction that sent it, the room's state group
    /// after it, and for a state event the state it makes.
    /// </summary>
    public sealed record LocalEvent(Pdu Pdu, long StreamOrdering, ClientTransaction? Transaction, long ReceivedTs, long? StateGroup, StateRows.Change? State = null);

    /// <summary>
    /// One room's part of a batch: its events, their notification rows (none when written before a redaction), the room's
    /// state group after them when its state events changed it, and the room's row when the batch creates the room.
    /// </summary>
    public sealed record RoomRows(string RoomId, IReadOnlyList<LocalEvent> Events, StoredNotifications Notifications, long? RoomStateGroup, Room? NewRoom);

    /// <summary>Writes the rooms' rows as one command: each table's rows of every room in one statement.</summary>
    public static async Task WriteAsync(HomeserverDbContext db, IReadOnlyList<RoomRows> rooms, CancellationToken cancellationToken)
    {
        var events = rooms.SelectMany(r => r.Events).ToList();
        var sql = new PostgresBatch();
        sql.Add(
            """
            INSERT INTO events (event_id, room_id, type, state_key, sender, origin_server_ts, depth, stream_ordering, json, state_group, replaces_state, outlier, soft_failed)
            SELECT id, room, type, key, sender, ts, depth, ordering, json, grp, replaces, false, false
            FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS m(id, room, type, key, sender, ts, depth, ordering, json, grp, replaces)
            """,
            events.Select(m => m.Pdu.EventId).ToArray(),
            events.Select(m => m.Pdu.RoomId).ToArray(),
            events.Select(m => m.Pdu.Type).ToArray(),
            events.Select(m => m.Pdu.StateKey).ToArray(),
            events.Select(m => m.Pdu.Sender).ToArray(),
            events.Select(m => m.Pdu.OriginServerTs).ToArray(),
            events.Select(m => m.Pdu.Depth).ToArray(),
            events.Select(m => m.StreamOrdering).ToArray(),
            events.Select(m => EventRows.JsonOf(m.Pdu)).ToArray(),
            events.Select(m => m.StateGroup).ToArray(),
            events.Select(m => m.State?.ReplacesState).ToArray());
        foreach (var local in events)
        {
            if (local.State is { } state) StateRows.AddStatements(sql, local.Pdu, local.StreamOrdering, state);
        }

        foreach (var room in rooms) AddRoomRow(sql, room);

        var sent = events.Where(m => m.Transaction is not null).ToList();
        if (sent.Count > 0)
        {
            sql.Add(
                "INSERT INTO event_transactions (user_id, device_id, path, txn_id, event_id, created_ts) SELECT * FROM unnest($1, $2, $3, $4, $5, $6)",
                sent.Select(m => m.Pdu.Sender).ToArray(),
                sent.Select(m => m.Transaction!.DeviceId).ToArray(),
                sent.Select(m => m.Transaction!.Path).ToArray(),
                sent.Select(m => m.Transaction!.TxnId).ToArray(),
                sent.Select(m => m.Pdu.EventId).ToArray(),
                sent.Select(m => m.ReceivedTs).ToArray());
        }

        var related = events.Select(m => (m.Pdu, m.StreamOrdering, Relation: RelatesTo.From(m.Pdu.Content))).Where(m => m.Relation is not null).ToList();
        if (related.Count > 0)
        {
            sql.Add(
                """
                INSERT INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key, room_id, sender, type, stream_ordering)
                SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                related.Select(m => m.Pdu.EventId).ToArray(),
                related.Select(m => m.Relation!.EventId).ToArray(),
                related.Select(m => m.Relation!.RelType).ToArray(),
                related.Select(m => m.Relation!.Key).ToArray(),
                related.Select(m => m.Pdu.RoomId).ToArray(),
                related.Select(m => m.Pdu.Sender).ToArray(),
                related.Select(m => m.Pdu.Type).ToArray(),
                related.Select(m => m.StreamOrdering).ToArray());
        }

        EventRows.AddLinkStatements(sql, events.Select(m => m.Pdu).ToList());
        EventNotifications.AddInsertStatements(sql, rooms.Count == 1
            ? rooms[0].Notifications
            : new StoredNotifications([.. rooms.SelectMany(r => r.Notifications.UserRows)], [.. rooms.SelectMany(r => r.Notifications.RoomRows)]));
        await sql.ExecuteAsync(db, cancellationToken);
    }

    /// <summary>The room's row for a new room, or its current state group when its state events moved it.</summary>
    private static void AddRoomRow(PostgresBatch sql, RoomRows room)
    {
        if (room.NewRoom is { } created)
        {
            sql.Add("INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts, current_state_group) VALUES ($1, $2, $3, $4, $5, $6)",
                room.RoomId, created.RoomVersion, created.Creator!, created.IsPublic, created.CreatedTs,
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)room.RoomStateGroup ?? DBNull.Value });
        }
        else if (room.RoomStateGroup is { } group)
        {
            sql.Add("UPDATE rooms SET current_state_group = $2 WHERE room_id = $1", room.RoomId, group);
        }
    }
}
