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
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (pdu, position) in persisted.Select(e => (e.Pdu, e.StreamPosition!.Value)))
        {
            var pushEvent = new PushEvent(pdu.Json, room.JoinedCount, room.PowerLevels);
            string? thread = null;
            foreach (var userId in candidates)
            {
                var member = local.GetValueOrDefault(userId);
                if (!IsRecipient(pdu, position, userId, member)) continue;
                var rule = PushRuleEvaluator.FirstMatch(ruleSets[userId], pushEvent, new PushRecipient(userId, member?.DisplayName));
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
    /// see new counts once the position is released (after the commit: complete the returned write then).
    /// </summary>
    public NotificationWrite Begin(IReadOnlyList<EventPushAction> rows)
    {
        // The members' cached unread rows get these rows, so that their woken syncs count without a query.
        var keys = rows.Select(r => StreamChanges.UserInRoom(r.UserId, r.RoomId)).ToList();
        var cacheWrite = unreadRows.BeginWrite(keys);
        var written = streams.Next();
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].WrittenAt = written.Position;
            changes.Notifications.Mark(rows[i].UserId, written.Position);
            changes.NotificationRooms.Mark(keys[i], written.Position);
        }

        return new NotificationWrite(unreadRows, delivery, rows, keys, cacheWrite, written);
    }

    /// <summary>Notification rows in one statement: a message in a big room writes one per member.</summary>
    public static Task InsertAsync(HomeserverDbContext db, IReadOnlyList<EventPushAction> rows, CancellationToken cancellationToken) =>
        BulkInsert.ExecuteAsync(db, Table, Columns(rows), cancellationToken);

    /// <summary>PostgreSQL: the rows' insert as one more statement of a batch (the events' own, <see cref="MessageRows"/>).</summary>
    internal static void AddInsertStatement(PostgresBatch statements, IReadOnlyList<EventPushAction> rows)
    {
        if (rows.Count > 0) BulkInsert.AddTo(statements, Table, Columns(rows));
    }

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
        private readonly List<string> _keys;
        private readonly UnreadRowsCache.Write _cacheWrite;
        private readonly StreamPositionHandle _written;
        private bool _done;

        internal NotificationWrite(UnreadRowsCache unreadRows, PushDeliveryQueue delivery, IReadOnlyList<EventPushAction> rows, List<string> keys,
            UnreadRowsCache.Write cacheWrite, StreamPositionHandle written)
        {
            _unreadRows = unreadRows;
            _delivery = delivery;
            Rows = rows;
            _keys = keys;
            _cacheWrite = cacheWrite;
            _written = written;
        }

        public IReadOnlyList<EventPushAction> Rows { get; }

        /// <summary>The rows committed: the cached unread rows get them, and the users' pushers are woken.</summary>
        public void Complete() => Finish(committed: true);

        public void Dispose() => Finish(committed: false);

        private void Finish(bool committed)
        {
            if (_done) return;
            _done = true;
            try
            {
                var rows = committed
                    ? Rows.Select((r, i) => (Key: _keys[i], Row: new UnreadRow(r.StreamOrdering, r.ThreadId, r.Highlight))).ToLookup(r => r.Key, r => r.Row, StringComparer.Ordinal)
                    : null;
                _unreadRows.CompleteWrite(_cacheWrite, rows, _written.Position);
            }
            finally
            {
                _written.Dispose();
            }

            if (committed && Rows.Count > 0) _delivery.Poke(Rows.Select(r => r.UserId).Distinct().ToList());
        }
    }
}
