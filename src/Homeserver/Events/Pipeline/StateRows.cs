using Matrix.Federation.Events;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// PostgreSQL: what a local state event does to the room's state, as statements of its batch (<see cref="LocalEventRows"/>):
/// its new state group (the ID reserved beforehand, <see cref="StateGroupStore.NextIdAsync"/>) and the group's entries,
/// the room's current state and, for a member event, the target's membership. Events are found by ID (one index probe
/// each) because their numeric IDs come from the batch's own insert. The context's path (SQLite, and events of other
/// servers) is <see cref="StateGroupStore.SaveAsync"/> and <see cref="EventRows.SetCurrentStateAsync"/>: the same rows.
/// </summary>
internal static class StateRows
{
    /// <summary>A state event's change: the event it replaces in the room's state, and its new group.</summary>
    public sealed record Change(string? ReplacesState, long GroupId, StateGroupPlan Group);

    public static void AddStatements(PostgresBatch sql, Pdu pdu, long streamOrdering, Change change)
    {
        var parent = new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)change.Group.ParentId ?? DBNull.Value };
        sql.Add("INSERT INTO state_groups (id, room_id, parent_id, chain_length) VALUES ($1, $2, $3, $4)",
            change.GroupId, pdu.RoomId, parent, change.Group.ChainLength);
        var entries = change.Group.Changes;
        sql.Add(
            """
            INSERT INTO state_group_entries (state_group_id, type, state_key, event_nid)
            SELECT $1, x.type, x.key, (SELECT e.nid FROM events e WHERE e.event_id = x.id) FROM unnest($2, $3, $4) AS x(type, key, id)
            """,
            change.GroupId, entries.Select(e => e.Key.Type).ToArray(), entries.Select(e => e.Key.Key).ToArray(), entries.Select(e => e.EventId).ToArray());
        sql.Add(
            """
            INSERT INTO current_state (room_id, type, state_key, event_nid, event_id)
            SELECT $1, $2, $3, e.nid, e.event_id FROM events e WHERE e.event_id = $4
            ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_nid = excluded.event_nid, event_id = excluded.event_id
            """,
            pdu.RoomId, pdu.Type, pdu.StateKey!, pdu.EventId);
        if (pdu.Membership is not { } membership) return;

        // As EventRows.SetMembershipAsync: a join begins where the membership turns to join (a profile change keeps it);
        // rejoining or another invite un-forgets the room.
        sql.Add(
            """
            INSERT INTO room_memberships (room_id, user_id, membership, event_id, sender, stream_ordering, joined_at, display_name, avatar_url, forgotten)
            VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $3 = 'join' THEN $6 ELSE 0 END, $7, $8, false)
            ON CONFLICT (room_id, user_id) DO UPDATE SET
                joined_at = CASE WHEN excluded.membership <> 'join' THEN 0
                                 WHEN room_memberships.membership <> 'join' OR room_memberships.joined_at = 0 THEN excluded.stream_ordering
                                 ELSE room_memberships.joined_at END,
                forgotten = CASE WHEN excluded.membership IN ('leave', 'ban') THEN room_memberships.forgotten ELSE false END,
                membership = excluded.membership, event_id = excluded.event_id, sender = excluded.sender,
                stream_ordering = excluded.stream_ordering, display_name = excluded.display_name, avatar_url = excluded.avatar_url
            """,
            pdu.RoomId, pdu.StateKey!, membership, pdu.EventId, pdu.Sender, streamOrdering,
            Text(JsonFields.String(pdu, "displayname")), Text(JsonFields.String(pdu, "avatar_url")));
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };
}
