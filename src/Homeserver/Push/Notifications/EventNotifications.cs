using System.Runtime.InteropServices;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Push.Gateway;
using Matrix.Homeserver.Push.Rules;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// Runs the push rules of each local user in a room on its new events (spec: "Server behaviour": the joined members
/// but the sender, and the target of an invite) and prepares the notification rows. The room's writer stores them in
/// the events' own transaction when the events leave the state as it was (a send into a room); other events get
/// theirs from <see cref="PushActionWriter"/> after they commit.
/// </summary>
public sealed class EventNotifications(
    PushRuleStore rules,
    EventThreads threads,
    StreamIdGenerator streams,
    StreamChanges changes,
    PushDeliveryQueue delivery,
    UnreadRowsCache unreadRows,
    HomeserverOptions options,
    TimeProvider clock)
{
    private const string Table = "event_push_actions";
    private const string RoomTable = "room_push_actions";

    /// <summary>The actions of a member's "not notified" row, which keeps a room's shared row from counting for them.</summary>
    internal const string NotNotified = "[]";

    /// <summary>The fewest members with the same outcome for whom a shared row is written instead of theirs.</summary>
    private const int FewestShared = 2;

    /// <summary>
    /// The notifications the events (with their stream positions) bring to the room's local users. Their threads are
    /// found through the events they relate to: committed ones, since a client learns an event's ID only then.
    /// </summary>
    public async Task<List<EventPushAction>> EvaluateAsync(HomeserverDbContext db, RoomSnapshot room, IReadOnlyList<PersistedEvent> events,
        CancellationToken cancellationToken)
    {
        var rows = new List<EventPushAction>();
        // Backfilled history (no positive position) notifies nobody.
        var persisted = events.Where(e => e.StreamPosition > 0).ToList();
        if (persisted.Count == 0) return rows;

        var suffix = LocalSuffix;
        var local = room.Members
            .Where(m => m.Membership is Memberships.Join or Memberships.Invite && m.UserId.EndsWith(suffix, StringComparison.Ordinal))
            .ToDictionary(m => m.UserId, StringComparer.Ordinal);
        var candidates = local.Values.Where(m => m.Membership == Memberships.Join).Select(m => m.UserId)
            .Concat(persisted.Where(e => e.Pdu.Membership == Memberships.Invite && IsLocal(e.Pdu.StateKey!)).Select(e => e.Pdu.StateKey!))
            .Distinct().ToList();
        if (candidates.Count == 0) return rows;

        var ruleSets = await rules.GetManyAsync(candidates, cancellationToken);
        // Once for the whole batch: a busy room's batch has several events for the same members.
        var members = candidates.Select(u => local.GetValueOrDefault(u)).ToArray();
        var recipients = candidates.Select((u, i) => new PushRecipient(u, members[i]?.DisplayName)).ToArray();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (pdu, position) in persisted.Select(e => (e.Pdu, e.StreamPosition!.Value)))
        {
            var pushEvent = new PushEvent(pdu.Json, room.JoinedCount, room.PowerLevels);
            string? thread = null;
            for (var i = 0; i < candidates.Count; i++)
            {
                var userId = candidates[i];
                if (!IsRecipient(pdu, position, userId, members[i])) continue;
                var rule = PushRuleEvaluator.FirstMatch(ruleSets[userId], pushEvent, recipients[i]);
                if (rule is null || !rule.Actions.Notifies) continue;
                thread ??= await threads.ThreadOfAsync(db, pdu, cancellationToken);
                rows.Add(new EventPushAction
                {
                    UserId = userId,
                    RoomId = pdu.RoomId,
                    EventId = pdu.EventId,
                    StreamOrdering = position,
                    ThreadId = thread,
                    Highlight = rule.Actions.Highlights,
                    Actions = rule.Actions.EffectiveJson,
                    Ts = now,
                });
            }
        }

        return rows;
    }

    /// <summary>
    /// Before the rows are written: gives them a stream position and marks their users and rooms at it, so that syncs
    /// see new counts once the position is released (after the commit: complete the returned write then). With the
    /// room and its <paramref name="events"/> (whose members are the committed ones: no state changed), the rows are
    /// stored as a shared row per event (<see cref="Share"/>); otherwise one per member.
    /// </summary>
    public NotificationWrite Begin(IReadOnlyList<EventPushAction> rows, RoomSnapshot? room = null, IReadOnlyList<PersistedEvent>? events = null)
    {
        // The members' cached unread rows get these rows, so that their woken syncs count without a query.
        var keys = new List<string>(rows.Count);
        // A member's rows in a batch of several events share one key (one event has one row per member).
        var shared = rows.Count > 1 && rows[0].EventId != rows[^1].EventId ? new Dictionary<(string, string), string>() : null;
        foreach (var row in rows)
        {
            if (shared is null)
            {
                keys.Add(StreamChanges.UserInRoom(row.UserId, row.RoomId));
                continue;
            }

            ref var key = ref CollectionsMarshal.GetValueRefOrAddDefault(shared, (row.UserId, row.RoomId), out _);
            keys.Add(key ??= StreamChanges.UserInRoom(row.UserId, row.RoomId));
        }

        var cacheWrite = unreadRows.BeginWrite(keys);
        var written = streams.Next();
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].WrittenAt = written.Position;
            changes.Notifications.Mark(rows[i].UserId, written.Position);
            changes.NotificationRooms.Mark(keys[i], written.Position);
        }

        var stored = room is not null && events is not null ? Share(room, events, rows) : new StoredNotifications(rows, []);
        return new NotificationWrite(unreadRows, delivery, rows, stored, cacheWrite, written);
    }

    /// <summary>
    /// The rows to store when each event's members are the room's current ones: per event, one shared row with the
    /// outcome most members got (it counts for every member joined at the event but the sender: the view
    /// <c>user_notifications</c>), and rows of their own for the members whose outcome differs (a mention's highlight, a
    /// muted room's "not notified" marker). A member who joined after an event keeps the event's rows their own.
    /// </summary>
    private StoredNotifications Share(RoomSnapshot room, IReadOnlyList<PersistedEvent> events, IReadOnlyList<EventPushAction> rows)
    {
        // Plain loops: this runs on every send into a room, first of all on the first one (no LINQ instantiations to compile).
        var byEvent = new Dictionary<long, List<EventPushAction>>();
        foreach (var row in rows)
        {
            if (!byEvent.TryGetValue(row.StreamOrdering, out var ofEvent)) byEvent[row.StreamOrdering] = ofEvent = [];
            ofEvent.Add(row);
        }

        // The members the view will count a shared row for: the joined local ones (but each event's sender). Exact only
        // for the events after every joined member's membership.
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var latestMembership = long.MinValue;
        foreach (var m in room.Members)
        {
            if (m.Membership != Memberships.Join) continue;
            latestMembership = Math.Max(latestMembership, m.Since);
            if (IsLocal(m.UserId)) covered.Add(m.UserId);
        }

        var own = new List<EventPushAction>();
        var shared = new List<RoomPushAction>();
        foreach (var e in events)
        {
            if (e.StreamPosition is not { } position || !byEvent.TryGetValue(position, out var ofEvent)) continue;
            var row = position >= latestMembership ? ShareEvent(covered, e.Pdu.Sender, position, ofEvent, own) : null;
            if (row is not null) shared.Add(row);
            else own.AddRange(ofEvent);
        }

        return new StoredNotifications(own, shared);
    }

    /// <summary>The event's shared row, with the differing members' own rows added to <paramref name="own"/>; null when sharing does not pay.</summary>
    private static RoomPushAction? ShareEvent(HashSet<string> covered, string sender, long position, List<EventPushAction> ofEvent, List<EventPushAction> own)
    {
        // The most common outcome among the covered members (equal actions highlight alike).
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        EventPushAction? common = null;
        var most = 0;
        foreach (var r in ofEvent)
        {
            if (r.UserId == sender || !covered.Contains(r.UserId)) continue;
            var count = counts[r.Actions] = counts.GetValueOrDefault(r.Actions) + 1;
            if (count > most) (most, common) = (count, r);
        }

        if (common is null || most < FewestShared) return null;
        var unnotified = new HashSet<string>(covered, StringComparer.Ordinal);
        unnotified.Remove(sender);
        foreach (var r in ofEvent)
        {
            if (!unnotified.Remove(r.UserId) || r.Actions != common.Actions) own.Add(r);
        }

        // Covered members the rules did not notify: a marker row each, so that the shared row skips them.
        foreach (var userId in unnotified)
        {
            own.Add(new EventPushAction
            {
                UserId = userId, RoomId = common.RoomId, EventId = common.EventId, StreamOrdering = position, ThreadId = common.ThreadId,
                Highlight = false, Actions = NotNotified, Ts = common.Ts, WrittenAt = common.WrittenAt,
            });
        }

        return new RoomPushAction
        {
            RoomId = common.RoomId, StreamOrdering = position, EventId = common.EventId, Sender = sender, ThreadId = common.ThreadId,
            Highlight = common.Highlight, Actions = common.Actions, Ts = common.Ts, WrittenAt = common.WrittenAt,
        };
    }

    /// <summary>The stored rows: a statement per table, whatever the room's size.</summary>
    public static async Task InsertAsync(HomeserverDbContext db, StoredNotifications stored, CancellationToken cancellationToken)
    {
        if (stored.UserRows.Count > 0) await BulkInsert.ExecuteAsync(db, Table, Columns(stored.UserRows), cancellationToken);
        if (stored.RoomRows.Count > 0) await BulkInsert.ExecuteAsync(db, RoomTable, RoomColumns(stored.RoomRows), cancellationToken);
    }

    /// <summary>PostgreSQL: the rows' inserts as more statements of a batch (the events' own, <see cref="Events.Pipeline.LocalEventRows"/>).</summary>
    internal static void AddInsertStatements(PostgresBatch statements, StoredNotifications stored)
    {
        if (stored.UserRows.Count > 0) BulkInsert.AddTo(statements, Table, Columns(stored.UserRows));
        if (stored.RoomRows.Count > 0) BulkInsert.AddTo(statements, RoomTable, RoomColumns(stored.RoomRows));
    }

    private static BulkColumn[] RoomColumns(IReadOnlyList<RoomPushAction> rows) =>
    [
        new("room_id", rows.Select(r => r.RoomId).ToArray()),
        new("stream_ordering", rows.Select(r => r.StreamOrdering).ToArray()),
        new("event_id", rows.Select(r => r.EventId).ToArray()),
        new("sender", rows.Select(r => r.Sender).ToArray()),
        new("thread_id", rows.Select(r => r.ThreadId).ToArray()),
        new("highlight", rows.Select(r => r.Highlight).ToArray()),
        new("actions", rows.Select(r => r.Actions).ToArray()),
        new("ts", rows.Select(r => r.Ts).ToArray()),
        new("written_at", rows.Select(r => r.WrittenAt).ToArray()),
    ];

    private static BulkColumn[] Columns(IReadOnlyList<EventPushAction> rows) =>
    [
        new("user_id", rows.Select(r => r.UserId).ToArray()),
        new("room_id", rows.Select(r => r.RoomId).ToArray()),
        new("event_id", rows.Select(r => r.EventId).ToArray()),
        new("stream_ordering", rows.Select(r => r.StreamOrdering).ToArray()),
        new("thread_id", rows.Select(r => r.ThreadId).ToArray()),
        new("highlight", rows.Select(r => r.Highlight).ToArray()),
        new("actions", rows.Select(r => r.Actions).ToArray()),
        new("ts", rows.Select(r => r.Ts).ToArray()),
        new("written_at", rows.Select(r => r.WrittenAt).ToArray()),
    ];

    /// <summary>Joined when the event happened (not only now), or the event is their invite.</summary>
    private static bool IsRecipient(Pdu pdu, long position, string userId, RoomMember? member) =>
        (member is { Membership: Memberships.Join } && member.Since <= position)
        || (pdu.Membership == Memberships.Invite && pdu.StateKey == userId);

    private string LocalSuffix => ":" + options.ServerName;

    private bool IsLocal(string userId) => userId.EndsWith(LocalSuffix, StringComparison.Ordinal);

    /// <summary>
    /// Notification rows on their way to the database. <see cref="Complete"/> after the commit; disposing an
    /// uncompleted write counts as a failure. Either way the stream position is released then.
    /// </summary>
    public sealed class NotificationWrite : IDisposable
    {
        private readonly UnreadRowsCache _unreadRows;
        private readonly PushDeliveryQueue _delivery;
        private readonly UnreadRowsCache.Write _cacheWrite;
        private readonly StreamPositionHandle _written;
        private bool _done;

        internal NotificationWrite(UnreadRowsCache unreadRows, PushDeliveryQueue delivery, IReadOnlyList<EventPushAction> rows, StoredNotifications stored,
            UnreadRowsCache.Write cacheWrite, StreamPositionHandle written)
        {
            _unreadRows = unreadRows;
            _delivery = delivery;
            Rows = rows;
            Stored = stored;
            _cacheWrite = cacheWrite;
            _written = written;
        }

        /// <summary>Every member's notification.</summary>
        public IReadOnlyList<EventPushAction> Rows { get; }

        /// <summary>What the database stores of them.</summary>
        public StoredNotifications Stored { get; }

        /// <summary>The rows committed: the cached unread rows get them, and the users' pushers are woken.</summary>
        public void Complete() => Finish(committed: true);

        public void Dispose() => Finish(committed: false);

        private void Finish(bool committed)
        {
            if (_done) return;
            _done = true;
            try
            {
                UnreadRow[]? rows = null;
                if (committed)
                {
                    rows = new UnreadRow[Rows.Count];
                    for (var i = 0; i < rows.Length; i++) rows[i] = new UnreadRow(Rows[i].StreamOrdering, Rows[i].ThreadId, Rows[i].Highlight);
                }

                _unreadRows.CompleteWrite(_cacheWrite, rows, _written.Position);
            }
            finally
            {
                _written.Dispose();
            }

            if (committed && Rows.Count > 0) _delivery.Poke(Rows.Select(r => r.UserId));
        }
    }
}

/// <summary>The rows a notification write stores: members' own ones and rooms' shared ones (<see cref="RoomPushAction"/>).</summary>
public sealed record StoredNotifications(IReadOnlyList<EventPushAction> UserRows, IReadOnlyList<RoomPushAction> RoomRows)
{
    public static readonly StoredNotifications None = new([], []);
}
