using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Rooms;

internal enum RoomSection
{
    Join,
    Invite,
    Knock,
    Leave,
}

/// <summary>
/// What a sync says about one room: its section, the user's membership event, and for joined and
/// left rooms the timeline window. <see cref="Fresh"/> means the client knows nothing of the room
/// yet (initial sync, newly joined, full_state): its state is sent whole rather than as a delta.
/// </summary>
internal sealed record RoomPlan(string RoomId, RoomSection Section, string MembershipEventId, long MembershipStream)
{
    public long? After { get; init; }
    public long UpTo { get; init; }
    public bool Fresh { get; init; }

    /// <summary>Since when the user has been joined without a break (events after it are visible to them).</summary>
    public long? JoinedAfter => Section == RoomSection.Join ? MembershipStream : null;
}

/// <summary>
/// Picks the rooms of a sync from the user's current memberships (room_memberships, one indexed
/// query, its answer kept until the user's memberships change): for an initial sync every room; for an
/// incremental one the joined rooms (the caller drops those without news) and every room whose
/// membership changed in the window.
/// </summary>
internal sealed class RoomSelection(EventStore events, StreamIdGenerator streams, StreamChanges changes)
{
    // Weighed by rows: at most about 100 000 membership rows are kept, however many rooms a user is in.
    private readonly StreamValidatedCache<MembershipAt[]> _memberships = new(streams, changes.Memberships, capacity: 10_000);

    public async Task<List<RoomPlan>> SelectAsync(SyncContext context, CancellationToken cancellationToken)
    {
        var upTo = context.UpTo.Position;
        var userId = context.UserId;
        var rooms = context.Filter.Room;
        var current = await CurrentAsync(context, userId, cancellationToken);
        var since = context.Since?.Position;
        var memberships = new List<MembershipAt>(current.Length);
        var changed = new List<string>();
        foreach (var m in current)
        {
            if (!rooms.IncludesRoom(m.RoomId)) continue;
            // A membership that changed after the window (a race with this sync) is read as it stood at its end.
            var at = m.Stream <= upTo ? m : await AsOfAsync(context, m.RoomId, cancellationToken);
            if (at is null) continue;
            memberships.Add(at);
            if (at.Stream > since) changed.Add(at.RoomId);
        }

        var continuouslyJoined = since is { } s && changed.Count > 0 ? await JoinedThroughoutAsync(context, changed, s, cancellationToken) : [];

        var plans = new List<RoomPlan>();
        foreach (var m in memberships)
        {
            var isChange = since is null || m.Stream > since;
            var plan = new RoomPlan(m.RoomId, SectionOf(m.Membership), m.EventId, m.Stream);
            switch (plan.Section)
            {
                case RoomSection.Join:
                    // A join seen before (or a profile change) continues; a new join starts from scratch.
                    var fresh = since is null || (isChange && !continuouslyJoined.Contains(m.RoomId));
                    plans.Add(plan with { After = fresh ? null : since, UpTo = upTo, Fresh = fresh || context.FullState });
                    break;
                case RoomSection.Invite or RoomSection.Knock when isChange:
                    plans.Add(plan);
                    break;
                case RoomSection.Leave when since is null ? rooms.IncludeLeave : isChange:
                    // The timeline runs up to the leave; what came after is not for the user.
                    plans.Add(plan with { After = since, UpTo = m.Stream, Fresh = since is null || context.FullState });
                    break;
            }
        }

        return plans;
    }

    /// <summary>The rooms the user is joined to now (their memberships are kept between syncs).</summary>
    public async Task<HashSet<string>> JoinedRoomsAsync(IDbSource db, string userId, CancellationToken cancellationToken) =>
        (await CurrentAsync(db, userId, cancellationToken)).Where(m => m.Membership == Memberships.Join).Select(m => m.RoomId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether the user is joined to one of <paramref name="rooms"/>, when their memberships are kept (a user who syncs); null when not.</summary>
    public bool? JoinedToAny(string userId, IReadOnlySet<string> rooms)
    {
        // A loop, not a query with a closure: when a thousand members' presence changes at once, each of their woken syncs
        // asks this of every one of them.
        if (!_memberships.TryGet(userId, out var known)) return null;
        foreach (var m in known)
        {
            if (m.Membership == Memberships.Join && rooms.Contains(m.RoomId)) return true;
        }

        return false;
    }

    private sealed record MembershipAt(string RoomId, string Membership, string EventId, long Stream);

    // Compiled once: every sync starts with it.
    private static readonly Func<HomeserverDbContext, string, IAsyncEnumerable<MembershipAt>> CurrentMemberships =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId) =>
            db.RoomMemberships.AsNoTracking().Where(m => m.UserId == userId && !m.Forgotten)
                .Select(m => new MembershipAt(m.RoomId, m.Membership, m.EventId, m.StreamOrdering)));

    private async Task<MembershipAt[]> CurrentAsync(IDbSource db, string userId, CancellationToken cancellationToken)
    {
        if (_memberships.TryGet(userId, out var known)) return known;
        var asOf = _memberships.Position;
        var current = await CurrentMemberships(db.Db, userId).ToArrayAsync(cancellationToken);
        _memberships.Set(userId, current, asOf, size: 1 + current.Length / 10);
        return current;
    }

    /// <summary>The user's membership in a room as of the window's end, from their last member event by then.</summary>
    private async Task<MembershipAt?> AsOfAsync(SyncContext context, string roomId, CancellationToken cancellationToken)
    {
        var userId = context.UserId;
        var row = await TimelineLoader.TimelineEvents(context.Db, after: null, context.UpTo.Position)
            .Where(e => e.RoomId == roomId && e.Type == EventTypes.Member && e.StateKey == userId)
            .OrderByDescending(e => e.StreamOrdering).Select(e => new { e.EventId, Stream = e.StreamOrdering!.Value }).FirstOrDefaultAsync(cancellationToken);
        if (row is null) return null;
        var membership = (await events.GetAsync(context.Db, row.EventId, cancellationToken))?.Membership;
        return membership is null ? null : new MembershipAt(roomId, membership, row.EventId, row.Stream);
    }

    private static RoomSection SectionOf(string membership) => membership switch
    {
        Memberships.Join => RoomSection.Join,
        Memberships.Invite => RoomSection.Invite,
        Memberships.Knock => RoomSection.Knock,
        _ => RoomSection.Leave,
    };

    /// <summary>
    /// Of the rooms where the user's membership changed after <paramref name="since"/>, those where
    /// they were joined at <paramref name="since"/> and stayed joined (the change was a profile update).
    /// </summary>
    private async Task<HashSet<string>> JoinedThroughoutAsync(SyncContext context, List<string> rooms, long since, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (rooms.Count == 0) return result;
        var userId = context.UserId;
        var upTo = context.UpTo.Position;
        var changes = await context.Db.Events.AsNoTracking()
            .Where(e => rooms.Contains(e.RoomId) && e.Type == EventTypes.Member && e.StateKey == userId
                && e.StreamOrdering > since && e.StreamOrdering <= upTo && !e.Outlier && e.RejectedReason == null)
            .Select(e => new { e.RoomId, e.EventId, e.ReplacesState, e.StreamOrdering })
            .ToListAsync(cancellationToken);
        var byRoom = changes.GroupBy(c => c.RoomId).ToDictionary(g => g.Key, g => g.OrderBy(c => c.StreamOrdering).ToList(), StringComparer.Ordinal);
        var ids = changes.Select(c => c.EventId).Concat(byRoom.Values.Select(l => l[0].ReplacesState).OfType<string>());
        var pdus = await events.GetManyAsync(context.Db, ids, cancellationToken);

        foreach (var (roomId, list) in byRoom)
        {
            var before = list[0].ReplacesState is { } prev && pdus.TryGetValue(prev, out var p) ? p.Membership : null;
            if (before == Memberships.Join && list.All(c => pdus.TryGetValue(c.EventId, out var e) && e.Membership == Memberships.Join)) result.Add(roomId);
        }

        return result;
    }
}
