using Matrix.Crypto;
using Matrix.Federation.Events;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>Writes the rows of one event inside the caller's transaction: the event, its DAG edges, and the room's current state.</summary>
internal static class EventRows
{
    public static Event Insert(HomeserverDbContext db, Pdu pdu, long? streamOrdering, bool outlier, string? rejectedReason, bool softFailed)
    {
        var row = new Event
        {
            EventId = pdu.EventId,
            RoomId = pdu.RoomId,
            Type = pdu.Type,
            StateKey = pdu.StateKey,
            Sender = pdu.Sender,
            OriginServerTs = pdu.OriginServerTs,
            Depth = pdu.Depth,
            StreamOrdering = streamOrdering,
            Json = JsonOf(pdu),
            Outlier = outlier,
            RejectedReason = rejectedReason,
            SoftFailed = softFailed,
            Redacts = pdu.Type == EventTypes.Redaction ? pdu.Redacts : null,
        };
        db.Events.Add(row);
        return row;
    }

    /// <summary>The stored form of an event: its canonical JSON.</summary>
    public static string JsonOf(Pdu pdu) =>
        CanonicalJson.SerializeToString(pdu.Json, pdu.Version.CanonicalMode());

    public static void AddEdges(HomeserverDbContext db, Event row, Pdu pdu)
    {
        foreach (var prev in pdu.PrevEvents.Distinct()) db.EventEdges.Add(new EventEdge { EventNid = row.Nid, PrevEventId = prev });
        foreach (var auth in pdu.AuthEvents.Distinct()) db.EventAuthEdges.Add(new EventAuthEdge { EventNid = row.Nid, AuthEventId = auth });
    }

    /// <summary>
    /// The DAG edges of events just inserted, and the room's forward extremities moved past them. PostgreSQL gets it
    /// all in one command (one round trip, nothing for the change tracker); SQLite, in process, goes through the context.
    /// </summary>
    public static async Task LinkAsync(HomeserverDbContext db, string roomId, IReadOnlyList<(Event Row, Pdu Pdu)> inserted, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql())
        {
            foreach (var (row, pdu) in inserted) AddEdges(db, row, pdu);
            await UpdateForwardExtremitiesAsync(db, roomId, inserted.Select(i => i.Pdu).ToList(), cancellationToken);
            return;
        }

        var statements = new PostgresBatch();
        AddLinkStatements(statements, inserted.Select(i => i.Pdu).ToList());
        await statements.ExecuteAsync(db, cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: the DAG edges of events inserted by the statements before these (found by event ID), and their rooms'
    /// forward extremities moved past them. Each edge's event is a subquery, one index probe per row, not a join: a
    /// prepared statement's generic plan, made while the events table was small, hashed the whole table on every send.
    /// </summary>
    internal static void AddLinkStatements(PostgresBatch statements, IReadOnlyList<Pdu> pdus)
    {
        var edges = pdus.SelectMany(p => p.PrevEvents.Distinct().Select(prev => (p.EventId, Id: prev))).ToList();
        var authEdges = pdus.SelectMany(p => p.AuthEvents.Distinct().Select(auth => (p.EventId, Id: auth))).ToList();
        List<(string RoomId, string EventId)> fresh = [];
        foreach (var room in pdus.GroupBy(p => p.RoomId, StringComparer.Ordinal))
        {
            var change = ExtremityChange([.. room]);
            // One equality per stale extremity: the generic plan of "= ANY(array)" probes the key by room alone, so it read
            // every dead row the room's churn left since the last vacuum (thousands on a busy room).
            foreach (var eventId in change.Stale) statements.Add("DELETE FROM forward_extremities WHERE room_id = $1 AND event_id = $2", room.Key, eventId);
            fresh.AddRange(change.Fresh.Select(id => (room.Key, id)));
        }

        statements.Add("INSERT INTO forward_extremities (room_id, event_id) SELECT * FROM unnest($1, $2)",
            fresh.Select(f => f.RoomId).ToArray(), fresh.Select(f => f.EventId).ToArray());
        statements.Add(
            "INSERT INTO event_edges (event_nid, prev_event_id) SELECT (SELECT e.nid FROM events e WHERE e.event_id = x.id), x.prev FROM unnest($1, $2) AS x(id, prev)",
            edges.Select(e => e.EventId).ToArray(), edges.Select(e => e.Id).ToArray());
        statements.Add(
            "INSERT INTO event_auth_edges (event_nid, auth_event_id) SELECT (SELECT e.nid FROM events e WHERE e.event_id = x.id), x.auth FROM unnest($1, $2) AS x(id, auth)",
            authEdges.Select(e => e.EventId).ToArray(), authEdges.Select(e => e.Id).ToArray());
    }

    /// <summary>The new event replaces its prev events as the room's forward extremities.</summary>
    public static Task UpdateForwardExtremitiesAsync(HomeserverDbContext db, Pdu pdu, CancellationToken cancellationToken) =>
        UpdateForwardExtremitiesAsync(db, pdu.RoomId, [pdu], cancellationToken);

    /// <summary>New events (in order) replace their prev events as the room's forward extremities (<see cref="ExtremityChange"/>).</summary>
    public static async Task UpdateForwardExtremitiesAsync(HomeserverDbContext db, string roomId, IReadOnlyList<Pdu> pdus, CancellationToken cancellationToken)
    {
        var (stale, fresh) = ExtremityChange(pdus);
        await db.ForwardExtremities.Where(f => f.RoomId == roomId && stale.Contains(f.EventId)).ExecuteDeleteAsync(cancellationToken);
        foreach (var eventId in fresh) db.ForwardExtremities.Add(new ForwardExtremity { RoomId = roomId, EventId = eventId });
    }

    /// <summary>
    /// What new events (in order) do to the forward extremities: every event they point to stops being one, and those
    /// of them that no later one points to become one (a chain of messages leaves only its last). The stale ones are
    /// those from before the batch: its own events were never extremities (a chain of eight messages deletes one row, not eight).
    /// </summary>
    private static (List<string> Stale, List<string> Fresh) ExtremityChange(IReadOnlyList<Pdu> pdus)
    {
        var prevs = pdus.SelectMany(p => p.PrevEvents).ToHashSet(StringComparer.Ordinal);
        var own = pdus.Select(p => p.EventId).ToHashSet(StringComparer.Ordinal);
        return ([.. prevs.Where(id => !own.Contains(id))], [.. pdus.Select(p => p.EventId).Where(id => !prevs.Contains(id))]);
    }

    /// <summary>Materializes a state event into current_state and, for members, room_memberships.</summary>
    public static async Task SetCurrentStateAsync(HomeserverDbContext db, StreamChanges changes, Pdu pdu, long nid, long streamOrdering, CancellationToken cancellationToken)
    {
        var key = pdu.StateKey!;
        var current = await db.CurrentState.FirstOrDefaultAsync(c => c.RoomId == pdu.RoomId && c.Type == pdu.Type && c.StateKey == key, cancellationToken);
        if (current is null)
        {
            db.CurrentState.Add(new CurrentStateEntry { RoomId = pdu.RoomId, Type = pdu.Type, StateKey = key, EventNid = nid, EventId = pdu.EventId });
        }
        else
        {
            current.EventNid = nid;
            current.EventId = pdu.EventId;
        }

        if (pdu.Membership is not null) await SetMembershipAsync(db, changes, pdu, streamOrdering, cancellationToken);
    }

    /// <summary>Makes a member event the target's membership in room_memberships, taking effect at <paramref name="streamOrdering"/>.</summary>
    public static async Task SetMembershipAsync(HomeserverDbContext db, StreamChanges changes, Pdu pdu, long streamOrdering, CancellationToken cancellationToken)
    {
        MarkMembership(changes, pdu, streamOrdering);
        var key = pdu.StateKey!;
        var membership = pdu.Membership!;
        var member = await db.RoomMemberships.FirstOrDefaultAsync(m => m.RoomId == pdu.RoomId && m.UserId == key, cancellationToken);
        if (member is null)
        {
            member = new RoomMembership { RoomId = pdu.RoomId, UserId = key, Membership = membership, EventId = pdu.EventId, Sender = pdu.Sender };
            db.RoomMemberships.Add(member);
        }

        // A join begins where the membership turns to join; a profile change (join to join) keeps it.
        if (membership != Memberships.Join) member.JoinedAt = 0;
        else if (member.Membership != Memberships.Join || member.JoinedAt == 0) member.JoinedAt = streamOrdering;
        member.Membership = membership;
        member.EventId = pdu.EventId;
        member.Sender = pdu.Sender;
        member.StreamOrdering = streamOrdering;
        member.DisplayName = JsonFields.String(pdu, "displayname");
        member.AvatarUrl = JsonFields.String(pdu, "avatar_url");
        // Rejoining or being invited again un-forgets the room.
        if (membership is not (Memberships.Leave or Memberships.Ban)) member.Forgotten = false;
    }

    /// <summary>A membership change moves the target's memberships and device lists (users now sharing or no longer sharing a room).</summary>
    public static void MarkMembership(StreamChanges changes, Pdu pdu, long streamOrdering)
    {
        changes.DeviceLists.Mark(StreamChanges.Anywhere, streamOrdering);
        changes.Memberships.Mark(pdu.StateKey!, streamOrdering);
    }
}
