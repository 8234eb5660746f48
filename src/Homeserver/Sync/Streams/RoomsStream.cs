using System.Collections.Immutable;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// The room events stream: rooms.join (timeline, state, summary), rooms.leave, rooms.invite and
/// rooms.knock. Every step is batched over the rooms of the answer, so an initial sync of a user in
/// many rooms costs a fixed number of queries per kind of data, and an incremental sync queries the events
/// after the token only in rooms whose events stream moved (<see cref="StreamChanges.RoomEvents"/>).
/// </summary>
internal sealed class RoomsStream(
    RoomSelection selection,
    TimelineLoader timelines,
    RoomStateMaps stateMaps,
    RoomSummaries summaries,
    StrippedState stripped,
    LazyMemberCache lazyMembers,
    SyncEventFormatter formatter,
    EventStore events,
    StreamChanges changes,
    IgnoredUsers ignoredUsers,
    HomeserverOptions options)
{
    /// <summary>Timeline events per room when the filter does not say (Synapse's default).</summary>
    public const int DefaultTimelineLimit = 10;

    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        // Plain loops from here on: every member's long-poll runs this when a message wakes a room, a thousand at once.
        // The context's DbContext is taken only by a read that misses its cache (the reads take the context as their source).
        var timelineFilter = context.Filter.Room.Timeline;
        var plans = await selection.SelectAsync(context, cancellationToken);
        var withTimeline = new List<RoomPlan>(plans.Count);
        var pending = new List<RoomPlan>();
        var requests = new List<TimelineRequest>(plans.Count);
        foreach (var plan in plans)
        {
            switch (plan.Section)
            {
                case RoomSection.Join:
                    context.JoinedRooms.Add(plan.RoomId);
                    if (plan.After is null) context.NewlyJoinedRooms.Add(plan.RoomId);
                    withTimeline.Add(plan);
                    break;
                case RoomSection.Leave:
                    if (!context.IsInitial) context.NewlyLeftRooms.Add(plan.RoomId);
                    withTimeline.Add(plan);
                    break;
                default:
                    pending.Add(plan);
                    continue;
            }

            // A room with no event after the token has an empty batch: no query for it (a long-poll's first look, mostly).
            if (timelineFilter.IncludesRoom(plan.RoomId) && (plan.After is not { } after || changes.RoomEvents.MayHaveChanged(plan.RoomId, after)))
                requests.Add(new TimelineRequest(plan.RoomId, plan.After, plan.UpTo, plan.JoinedAfter));
        }

        var batches = requests.Count == 0 ? new Dictionary<string, TimelineBatch>(StringComparer.Ordinal) : await timelines.LoadAsync(context, context.UserId, requests, timelineFilter,
            timelineFilter.EffectiveLimit(DefaultTimelineLimit, options.Sync.MaxTimelineLimit), cancellationToken);

        // An incremental sync only mentions a room when something happened in it.
        var shown = new List<RoomPlan>(withTimeline.Count);
        foreach (var plan in withTimeline)
        {
            if (plan.Fresh || plan.Section == RoomSection.Leave || BatchOf(batches, plan).Events.Count > 0) shown.Add(plan);
        }

        // A client starting over has none of the members it was sent.
        if (context.Filter.Room.State.LazyLoadMembers && (context.IsInitial || context.FullState)) lazyMembers.Reset(context.UserId, context.Requester.DeviceId);
        // Spec "Ignoring Users": nothing but state events from the users this one ignores, and no invites from them.
        var ignored = await ignoredUsers.GetAsync(context, context.UserId, cancellationToken);
        if (shown.Count > 0) await AddRoomsAsync(context, response, shown, batches, ignored, cancellationToken);
        if (pending.Count == 0) return;
        // Spec "Invite permission": while the user blocks invites, the invites they hold are not served.
        if (pending.Any(p => p.Section == RoomSection.Invite) && await InvitePermission.BlocksInvitesAsync(context.Db, context.UserId, cancellationToken))
        {
            pending.RemoveAll(p => p.Section == RoomSection.Invite);
        }

        var strippedStates = await stripped.BuildAsync(context.Db, pending, cancellationToken);
        foreach (var plan in pending)
        {
            if (!strippedStates.TryGetValue(plan.RoomId, out var state)) continue;
            if (ignored.Count > 0 && plan.Section == RoomSection.Invite && InviterOf(state, context.UserId) is { } inviter && ignored.Contains(inviter)) continue;
            (plan.Section == RoomSection.Invite ? response.Invite : response.Knock)[plan.RoomId] = state;
        }
    }

    /// <summary>The joined and left rooms that have something to show: their timelines, state and summaries.</summary>
    private async Task AddRoomsAsync(SyncContext context, SyncResponse response, List<RoomPlan> shown, Dictionary<string, TimelineBatch> batches,
        System.Collections.Frozen.FrozenSet<string> ignored, CancellationToken cancellationToken)
    {
        var states = await ComputeStatesAsync(context, shown, batches, cancellationToken);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var bundled = new HashSet<string>(StringComparer.Ordinal);
        var known = new Dictionary<string, EventRowLinks>(StringComparer.Ordinal);
        foreach (var plan in shown)
        {
            var batch = BatchOf(batches, plan);
            foreach (var e in batch.Events)
            {
                ids.Add(e.EventId);
                if (batch.Limited) bundled.Add(e.EventId);
                known.TryAdd(e.EventId, e.Links);
            }
        }

        foreach (var state in states.Values) ids.UnionWith(state.EventIds);
        var outOfBand = await OutOfBandLeavesAsync(context, shown, batches, cancellationToken);
        if (outOfBand is not null) ids.UnionWith(outOfBand.Values);
        var formatted = await formatter.FormatAsync(context, ids, bundled, context.Requester, context.Filter, cancellationToken, known);
        foreach (var plan in shown)
        {
            var batch = BatchOf(batches, plan);
            var joined = plan.Section == RoomSection.Join ? response.JoinedRoom(plan.RoomId) : null;
            var left = joined is null ? response.Leave[plan.RoomId] = new LeftRoom() : null;
            var timeline = joined?.Timeline ?? left!.Timeline;
            foreach (var e in batch.Events)
            {
                if (IgnoredUsers.Hides(ignored, e.Sender, e.StateKey)) continue;
                if (formatted.TryGetValue(e.EventId, out var json)) timeline.Events.Add(json);
            }

            if (outOfBand?.GetValueOrDefault(plan.RoomId) is { } leaveId && formatted.TryGetValue(leaveId, out var leave)) timeline.Events.Add(leave);

            // A room joined since the token has no history on the client yet: limited, as Synapse marks it, so that the
            // client knows to page back for what came before.
            timeline.Limited = batch.Limited || (plan.Section == RoomSection.Join && plan.After is null && !context.IsInitial);
            timeline.PrevBatch = new RoomStreamToken(batch.Events.Count > 0 ? batch.Events[0].Stream - 1 : plan.UpTo).ToString();
            var state = states[plan.RoomId];
            var stateEvents = joined?.State ?? left!.State;
            foreach (var id in state.EventIds)
            {
                if (formatted.TryGetValue(id, out var json)) stateEvents.Add(json);
            }

            if (joined is not null) joined.Summary = state.Summary?.ToJson();
        }
    }

    private static readonly Task<Dictionary<string, string>?> NoOutOfBandLeaves = Task.FromResult<Dictionary<string, string>?>(null);

    /// <summary>
    /// The leaves of left rooms that are outside the room's timeline: an invite or knock rejected through another
    /// server, or locally when none answered, is an out-of-band event (an outlier). The leave section shows it, as
    /// Synapse does, so that the client sees why the room moved there. Null, with nothing allocated, when no left room
    /// could have one (every woken long-poll of a busy room asks).
    /// </summary>
    private Task<Dictionary<string, string>?> OutOfBandLeavesAsync(SyncContext context, List<RoomPlan> shown, Dictionary<string, TimelineBatch> batches,
        CancellationToken cancellationToken)
    {
        var timelineFilter = context.Filter.Room.Timeline;
        List<RoomPlan>? candidates = null;
        foreach (var plan in shown)
        {
            if (plan.Section != RoomSection.Leave || !timelineFilter.IncludesRoom(plan.RoomId)) continue;
            if (!BatchOf(batches, plan).Events.Exists(e => e.EventId == plan.MembershipEventId)) (candidates ??= []).Add(plan);
        }

        return candidates is null ? NoOutOfBandLeaves : OutliersAmongAsync(context, candidates, timelineFilter, cancellationToken);
    }

    private async Task<Dictionary<string, string>?> OutliersAmongAsync(SyncContext context, List<RoomPlan> candidates, RoomEventFilter timelineFilter,
        CancellationToken cancellationToken)
    {
        var ids = candidates.ConvertAll(p => p.MembershipEventId);
        var outliers = await context.Db.Events.AsNoTracking().Where(e => ids.Contains(e.EventId) && e.Outlier).Select(e => e.EventId).ToListAsync(cancellationToken);
        if (outliers.Count == 0) return null;
        var pdus = await events.GetManyAsync(context.Db, outliers, cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var plan in candidates)
        {
            if (pdus.TryGetValue(plan.MembershipEventId, out var pdu) && timelineFilter.Matches(pdu.Json))
            {
                result[plan.RoomId] = plan.MembershipEventId;
            }
        }

        return result;
    }

    private static TimelineBatch BatchOf(Dictionary<string, TimelineBatch> batches, RoomPlan plan) =>
        batches.GetValueOrDefault(plan.RoomId) ?? new TimelineBatch([], Limited: false);

    private sealed record RoomState(IReadOnlyList<string> EventIds, RoomSummary? Summary);

    /// <summary>The state events (and summary) of each shown room, per <see cref="StateDelta"/>, with lazy-loaded members.</summary>
    private async Task<Dictionary<string, RoomState>> ComputeStatesAsync(SyncContext context, List<RoomPlan> shown,
        Dictionary<string, TimelineBatch> batches, CancellationToken cancellationToken)
    {
        var stateFilter = context.Filter.Room.State;
        var lazy = stateFilter.LazyLoadMembers;
        var device = context.Requester.DeviceId;

        // Summaries when members may have changed: fresh rooms, members in the timeline, or a gap.
        var summaryRooms = new List<string>();
        var needsState = new List<RoomPlan>();
        foreach (var plan in shown)
        {
            var batch = BatchOf(batches, plan);
            if (plan.Section == RoomSection.Join && (plan.Fresh || batch.Limited || HasMember(batch))) summaryRooms.Add(plan.RoomId);
            if (plan.Fresh || batch.Limited || context.UseStateAfter || (lazy && !FollowsOn(context, plan, batch))) needsState.Add(plan);
        }

        var summaryByRoom = await summaries.ComputeAsync(context, context.UserId, summaryRooms, cancellationToken);
        var result = new Dictionary<string, RoomState>(StringComparer.Ordinal);
        if (needsState.Count == 0 && !lazy)
        {
            // A long-poll woken by new events, mostly: nothing to compute beyond the summaries.
            foreach (var plan in shown) result[plan.RoomId] = new RoomState([], summaryByRoom.GetValueOrDefault(plan.RoomId));
            return result;
        }

        // Read only when a room needs them: a woken long-poll of a lazy-loading client takes no database context.
        Dictionary<string, ImmutableDictionary<StateKey, string>> ends = [], previous = [];
        if (needsState.Count > 0)
        {
            ends = await stateMaps.AtAsync(context.Db, needsState.Select(p => (p.RoomId, p.UpTo)), cancellationToken);
            previous = await stateMaps.AtAsync(context.Db, needsState.Where(p => !p.Fresh).Select(p => (p.RoomId, p.After!.Value)), cancellationToken);
        }

        var chosen = new Dictionary<string, (Dictionary<StateKey, string> State, HashSet<string> Forced)>(StringComparer.Ordinal);
        foreach (var plan in shown)
        {
            var summary = summaryByRoom.GetValueOrDefault(plan.RoomId);
            var batch = BatchOf(batches, plan);
            var roomLazy = lazy ? LazyFor(context, plan, batch, summary) : null;
            if (roomLazy is not null && FollowsOn(context, plan, batch))
            {
                // No state changed that the timeline does not show: a lazy-loading client needs only its senders' members,
                // from the state the timeline starts from. Every member's long-poll woken by a message takes this path.
                var before = await stateMaps.BeforeAsync(context, batch.Events[0], cancellationToken);
                chosen[plan.RoomId] = (StateDelta.NeededMembers(before, TimelineIds(batch), roomLazy), [.. roomLazy.Forced]);
                continue;
            }

            if (!ends.TryGetValue(plan.RoomId, out var end))
            {
                result[plan.RoomId] = new RoomState([], summary);
                continue;
            }

            var start = batch.Events.Count > 0 ? await stateMaps.BeforeAsync(context, batch.Events[0], cancellationToken) : end;
            if (lazy && plan.After is null && !context.IsInitial) lazyMembers.ForgetRoom(context.UserId, device, plan.RoomId);
            var state = StateDelta.Compute(plan.Fresh ? null : previous.GetValueOrDefault(plan.RoomId), start, end,
                TimelineIds(batch), batch.Limited, context.UseStateAfter, roomLazy, out var gap);
            var forced = new HashSet<string>(gap, StringComparer.Ordinal);
            if (roomLazy is not null) forced.UnionWith(roomLazy.Forced);
            chosen[plan.RoomId] = (state, forced);
        }

        var pdus = await events.GetManyAsync(context, chosen.Values.SelectMany(c => c.State.Values), cancellationToken);
        foreach (var (roomId, (state, forced)) in chosen)
        {
            var kept = new List<(StateKey Key, string EventId)>();
            foreach (var (key, eventId) in state.OrderBy(kv => kv.Key.Type, StringComparer.Ordinal).ThenBy(kv => kv.Key.Key, StringComparer.Ordinal))
            {
                if (!pdus.TryGetValue(eventId, out var pdu) || !stateFilter.IncludesRoom(roomId) || !stateFilter.Matches(pdu.Type, pdu.Sender)) continue;
                // A lazy-loading client keeps the members it was sent; repeats are left out unless asked for.
                if (lazy && key.Type == EventTypes.Member && !stateFilter.IncludeRedundantMembers && !forced.Contains(key.Key)
                    && lazyMembers.WasSent(context.UserId, device, roomId, key.Key, eventId)) continue;
                kept.Add((key, eventId));
            }

            if (lazy) lazyMembers.MarkSent(context.UserId, device, roomId, kept.Where(k => k.Key.Type == EventTypes.Member).Select(k => (k.Key.Key, k.EventId)));
            result[roomId] = new RoomState([.. kept.Select(k => k.EventId)], summaryByRoom.GetValueOrDefault(roomId));
        }

        return result;
    }

    /// <summary>
    /// The room's timeline follows on from the client's last sync (no gap, no use_state_after): its state section shows no
    /// change beyond what the timeline does, so it needs no state at the two positions.
    /// </summary>
    private static bool FollowsOn(SyncContext context, RoomPlan plan, TimelineBatch batch) =>
        !plan.Fresh && !batch.Limited && !context.UseStateAfter && batch.Events.Count > 0;

    private static HashSet<string> TimelineIds(TimelineBatch batch) => batch.Events.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal);

    private static bool HasMember(TimelineBatch batch)
    {
        foreach (var e in batch.Events)
        {
            if (e.Type == EventTypes.Member) return true;
        }

        return false;
    }

    /// <summary>The members a lazy-loading client needs for a room: timeline senders, heroes, and itself when the room is fresh.</summary>
    private static LazyMembers LazyFor(SyncContext context, RoomPlan plan, TimelineBatch batch, RoomSummary? summary)
    {
        var needed = batch.Events.Select(e => e.Sender).ToHashSet(StringComparer.Ordinal);
        if (summary?.Heroes is { } heroes) needed.UnionWith(heroes);
        var forced = new HashSet<string>(StringComparer.Ordinal);
        if (plan.Fresh)
        {
            needed.Add(context.UserId);
            forced.Add(context.UserId);
        }

        return new LazyMembers(needed, forced);
    }

    /// <summary>Who sent the user's invite, as its stripped state shows it.</summary>
    private static string? InviterOf(System.Text.Json.Nodes.JsonArray state, string userId)
    {
        foreach (var e in state)
        {
            if (e?["type"]?.GetValue<string>() == EventTypes.Member && e["state_key"]?.GetValue<string>() == userId) return e["sender"]?.GetValue<string>();
        }

        return null;
    }
}
