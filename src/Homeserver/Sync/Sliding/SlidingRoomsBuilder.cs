using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Push.Notifications;
using Matrix.Homeserver.Sync.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// The "rooms" map of an answer: of the selected rooms, those new to the connection (initial: true),
/// those with events after what it was sent, and those whose membership or config changed. Joined
/// and left rooms get their newest events (from sync v2's <see cref="TimelineLoader"/>, history
/// visibility included; a left room's end at the leave), required_state, name, avatar, heroes and
/// counts; invites and knocks their stripped state. Every step is batched over the answer's rooms.
/// </summary>
internal sealed class SlidingRoomsBuilder(
    TimelineLoader timelines,
    RoomStateMaps stateMaps,
    RoomSummaries summaries,
    StrippedState stripped,
    SlidingRoomState requiredState,
    SyncEventFormatter formatter,
    UnreadNotificationCounts unread,
    EventStore events)
{
    private sealed record Pending(SlidingRoom Room, RoomConfig Config, SentRoom? Before, bool Initial, long Cap)
    {
        /// <summary>A larger timeline_limit than the room was sent with (a room opened from the list): its latest events again (Synapse's unstable_expanded_timeline).</summary>
        public bool Expanded => !Initial && Config.TimelineLimit > Before!.TimelineLimit;

        /// <summary>The timeline starts after what was sent, unless it starts over.</summary>
        public long? After => Initial || Expanded ? null : Math.Min(Before!.Position, Cap);
    }

    /// <summary>Builds the rooms of the answer and returns what the connection was sent of each, for its next state.</summary>
    public async Task<(Dictionary<string, JsonObject> Rooms, ImmutableDictionary<string, SentRoom> Sent)> BuildAsync(SlidingSyncContext context, CancellationToken cancellationToken)
    {
        var db = context.Db;
        var upTo = context.UpTo.Position;
        var sent = context.Previous?.Rooms ?? ImmutableDictionary.Create<string, SentRoom>(StringComparer.Ordinal);
        var pending = new List<Pending>();
        foreach (var (roomId, config) in context.Selected)
        {
            var room = context.Rooms[roomId];
            var before = sent.GetValueOrDefault(roomId);
            // A room seen only as an invite is new once joined: the client has no timeline or state of it.
            var initial = before is null || (SlidingRoom.IsStrippedMembership(before.Membership) && !room.IsStripped);
            var changed = initial || before!.Membership != room.Membership || before.ConfigKey != config.Key || room.Latest > before.Position;
            if (changed) pending.Add(new Pending(room, config, before, initial, room.Cap(upTo)));
        }

        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var builder = sent.ToBuilder();
        foreach (var p in pending)
        {
            builder[p.Room.RoomId] = new SentRoom(p.Cap, p.Room.Membership, p.Config.Key, p.Config.TimelineLimit);
            if (p.Initial) context.InitialRooms.Add(p.Room.RoomId);
            var json = new JsonObject { ["bump_stamp"] = p.Room.BumpStamp, ["notification_count"] = 0, ["highlight_count"] = 0 };
            if (p.Initial) json["initial"] = true;
            if (p.Expanded && !p.Room.IsStripped) json["unstable_expanded_timeline"] = true;
            if (p.Room.IsDm) json["is_dm"] = true;
            result[p.Room.RoomId] = json;
        }

        await AddStrippedAsync(context, pending.Where(p => p.Room.IsStripped).ToList(), result, cancellationToken);
        await AddRoomsAsync(context, pending.Where(p => !p.Room.IsStripped).ToList(), result, cancellationToken);
        return (result, builder.ToImmutable());
    }

    private async Task AddStrippedAsync(SlidingSyncContext context, List<Pending> pending, Dictionary<string, JsonObject> result, CancellationToken cancellationToken)
    {
        var plans = pending.Select(p => new RoomPlan(p.Room.RoomId, p.Room.Membership == Memberships.Invite ? RoomSection.Invite : RoomSection.Knock,
            p.Room.MembershipEventId, p.Room.MembershipStream)).ToList();
        foreach (var (roomId, state) in await stripped.BuildAsync(context.Db, plans, cancellationToken)) result[roomId]["invite_state"] = state;
    }

    private async Task AddRoomsAsync(SlidingSyncContext context, List<Pending> pending, Dictionary<string, JsonObject> result, CancellationToken cancellationToken)
    {
        if (pending.Count == 0) return;
        var db = context.Db;
        var batches = new Dictionary<string, TimelineBatch>(StringComparer.Ordinal);
        foreach (var group in pending.GroupBy(p => p.Config.TimelineLimit))
        {
            var requests = group.Select(p => new TimelineRequest(p.Room.RoomId, p.After, p.Cap, p.Room.IsJoined ? p.Room.MembershipStream : null)).ToList();
            foreach (var (roomId, batch) in await timelines.LoadAsync(db, context.UserId, requests, new RoomEventFilter(), group.Key, cancellationToken))
            {
                batches[roomId] = batch;
            }
        }

        var ends = await stateMaps.AtAsync(db, pending.Select(p => (p.Room.RoomId, p.Cap)), cancellationToken);
        // Rooms sent before under the same config get the entries that changed since.
        var deltas = pending.Where(p => !p.Initial && p.Before!.ConfigKey == p.Config.Key).ToList();
        var previous = await stateMaps.AtAsync(db, deltas.Select(p => (p.Room.RoomId, p.Before!.Position)), cancellationToken);

        var stateIds = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var p in pending)
        {
            var batch = batches.GetValueOrDefault(p.Room.RoomId) ?? new TimelineBatch([], Limited: false);
            var end = ends.GetValueOrDefault(p.Room.RoomId) ?? ImmutableDictionary<StateKey, string>.Empty;
            stateIds[p.Room.RoomId] = requiredState.Select(context, p.Room.RoomId, p.Config, end, previous.GetValueOrDefault(p.Room.RoomId),
                batch.Events.Select(e => e.Sender), p.Initial);
        }

        var ids = batches.Values.SelectMany(b => b.Events.Select(e => e.EventId)).Concat(stateIds.Values.SelectMany(s => s)).ToHashSet(StringComparer.Ordinal);
        var bundled = batches.Values.Where(b => b.Limited).SelectMany(b => b.Events.Select(e => e.EventId)).ToHashSet(StringComparer.Ordinal);
        var formatted = await formatter.FormatAsync(db, ids, bundled, context.Requester, SyncFilter.Default, cancellationToken);
        var liveAfter = context.Since?.Position;
        foreach (var p in pending)
        {
            var json = result[p.Room.RoomId];
            var batch = batches.GetValueOrDefault(p.Room.RoomId) ?? new TimelineBatch([], Limited: false);
            var timeline = batch.Events.Select(e => formatted.GetValueOrDefault(e.EventId)).OfType<JsonObject>().ToList();
            if (timeline.Count > 0) json["timeline"] = new JsonArray([.. timeline]);
            var state = stateIds[p.Room.RoomId].Select(id => formatted.GetValueOrDefault(id)).OfType<JsonObject>().ToList();
            if (state.Count > 0) json["required_state"] = new JsonArray([.. state.Select(e => e.Parent is null ? e : e.DeepClone())]);
            json["limited"] = batch.Limited;
            json["prev_batch"] = new RoomStreamToken(batch.Events.Count > 0 ? batch.Events[0].Stream - 1 : p.Cap).ToString();
            // Events the client had not been told of yet (the rest, on a room new to it, is history).
            json["num_live"] = liveAfter is { } since ? batch.Events.Count(e => e.Stream > since) : 0;
        }

        await AddSummariesAsync(context, pending, ends, result, cancellationToken);
    }

    /// <summary>Name, avatar, heroes with their profiles, member counts, and the push feature's unread counts.</summary>
    private async Task AddSummariesAsync(SlidingSyncContext context, List<Pending> pending, Dictionary<string, ImmutableDictionary<StateKey, string>> ends,
        Dictionary<string, JsonObject> result, CancellationToken cancellationToken)
    {
        var db = context.Db;
        var rooms = pending.Select(p => p.Room.RoomId).ToList();
        var named = ends.SelectMany(e => new[] { new StateKey(EventTypes.Name, ""), new StateKey(EventTypes.Avatar, "") }
            .Select(k => e.Value.GetValueOrDefault(k))).OfType<string>();
        foreach (var pdu in (await events.GetManyAsync(db, named, cancellationToken)).Values)
        {
            var field = pdu.Type == EventTypes.Name ? "name" : "url";
            if (pdu.Content[field] is JsonValue v && v.TryGetValue(out string? text) && text.Length > 0) result[pdu.RoomId][pdu.Type == EventTypes.Name ? "name" : "avatar"] = text;
        }

        var roomSummaries = await summaries.ComputeAsync(db, context.UserId, rooms, cancellationToken);
        var heroIds = roomSummaries.Values.SelectMany(s => s.Heroes ?? []).Distinct(StringComparer.Ordinal).ToList();
        var profiles = (await db.RoomMemberships.AsNoTracking().Where(m => rooms.Contains(m.RoomId) && heroIds.Contains(m.UserId))
                .Select(m => new { m.RoomId, m.UserId, m.DisplayName, m.AvatarUrl }).ToListAsync(cancellationToken))
            .ToDictionary(m => (m.RoomId, m.UserId));
        foreach (var (roomId, summary) in roomSummaries)
        {
            var json = result[roomId];
            json["joined_count"] = summary.JoinedMembers;
            json["invited_count"] = summary.InvitedMembers;
            if (summary.Heroes is not { Count: > 0 } heroes) continue;
            json["heroes"] = new JsonArray([.. heroes.Select(h =>
            {
                var hero = new JsonObject { ["user_id"] = h };
                if (profiles.TryGetValue((roomId, h), out var profile))
                {
                    if (profile.DisplayName is not null) hero["displayname"] = profile.DisplayName;
                    if (profile.AvatarUrl is not null) hero["avatar_url"] = profile.AvatarUrl;
                }

                return (JsonNode)hero;
            })]);
        }

        var joined = pending.Where(p => p.Room.IsJoined).Select(p => p.Room.RoomId).ToList();
        foreach (var (roomId, counts) in await unread.GetAsync(db, context.UserId, joined, context.UpTo.Position, byThread: false, cancellationToken))
        {
            result[roomId]["notification_count"] = counts.Room.NotificationCount;
            result[roomId]["highlight_count"] = counts.Room.HighlightCount;
        }
    }
}
