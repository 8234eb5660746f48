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
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// After a room's events commit, runs the push rules of each local user in the room on them (spec:
/// "Server behaviour": the joined members but the sender, and the target of an invite) and stores the
/// notifications, then wakes those users' pushers. Their syncs are woken by the writer right after every
/// listener ran, so one answer carries both the events and the new counts.
/// </summary>
public sealed class PushActionWriter(
    HomeserverDbContext db,
    PushRuleStore rules,
    EventThreads threads,
    StreamIdGenerator streams,
    StreamChanges changes,
    PushDeliveryQueue delivery,
    UnreadRowsCache unreadRows,
    HomeserverOptions options,
    TimeProvider clock) : INotificationHandler<RoomEventsPersisted>
{
    public async ValueTask Handle(RoomEventsPersisted notification, CancellationToken cancellationToken)
    {
        // Backfilled history (no positive position) notifies nobody.
        var persisted = notification.Events.Where(e => e.StreamPosition > 0).ToList();
        if (persisted.Count == 0) return;

        var roomId = notification.RoomId;
        var suffix = LocalSuffix;
        var local = notification.Room.Members
            .Where(m => m.Membership is Memberships.Join or Memberships.Invite && m.UserId.EndsWith(suffix, StringComparison.Ordinal))
            .ToDictionary(m => m.UserId, StringComparer.Ordinal);
        var candidates = local.Values.Where(m => m.Membership == Memberships.Join).Select(m => m.UserId)
            .Concat(persisted.Where(e => e.Pdu.Membership == Memberships.Invite && IsLocal(e.Pdu.StateKey!)).Select(e => e.Pdu.StateKey!))
            .Distinct().ToList();
        if (candidates.Count == 0) return;
        var joinedCount = notification.Room.JoinedCount;

        var ruleSets = await rules.GetManyAsync(candidates, cancellationToken);
        var levels = notification.Room.PowerLevels;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = new List<EventPushAction>();
        foreach (var (pdu, position) in persisted.Select(e => (e.Pdu, e.StreamPosition!.Value)))
        {
            var pushEvent = new PushEvent(pdu.Json, joinedCount, levels);
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
                    RoomId = roomId,
                    EventId = pdu.EventId,
                    StreamOrdering = position,
                    ThreadId = thread,
                    Highlight = rule.Actions.Highlights,
                    Actions = rule.Actions.Effective.ToJsonString(),
                    Ts = now,
                });
            }
        }

        if (rows.Count == 0) return;
        // The members' cached unread rows get these rows, so that their woken syncs count without a query.
        var keys = rows.Select(r => StreamChanges.UserInRoom(r.UserId, r.RoomId)).ToList();
        var write = unreadRows.BeginWrite(keys);
        ILookup<string, UnreadRow>? committed = null;
        using (var written = streams.Next())
        {
            try
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    rows[i].WrittenAt = written.Position;
                    changes.Notifications.Mark(rows[i].UserId, written.Position);
                    changes.NotificationRooms.Mark(keys[i], written.Position);
                }

                await InsertAsync(db, rows, cancellationToken);
                committed = rows.Select((r, i) => (Key: keys[i], Row: new UnreadRow(r.StreamOrdering, r.ThreadId, r.Highlight)))
                    .ToLookup(r => r.Key, r => r.Row, StringComparer.Ordinal);
            }
            finally
            {
                unreadRows.CompleteWrite(write, committed, written.Position);
            }
        }

        delivery.Poke(rows.Select(r => r.UserId).Distinct().ToList());
    }

    /// <summary>Notification rows in one statement: a message in a big room writes one per member.</summary>
    public static Task InsertAsync(HomeserverDbContext db, IReadOnlyList<EventPushAction> rows, CancellationToken cancellationToken) =>
        BulkInsert.ExecuteAsync(db, "event_push_actions",
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
            ], cancellationToken);

    /// <summary>Joined when the event happened (not only now), or the event is their invite.</summary>
    private static bool IsRecipient(Pdu pdu, long position, string userId, RoomMember? member) =>
        (member is { Membership: Memberships.Join } && member.Since <= position)
        || (pdu.Membership == Memberships.Invite && pdu.StateKey == userId);

    private string LocalSuffix => ":" + options.ServerName;

    private bool IsLocal(string userId) => userId.EndsWith(LocalSuffix, StringComparison.Ordinal);
}
