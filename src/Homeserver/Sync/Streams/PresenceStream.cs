using Matrix.Federation.Events;
using Matrix.Homeserver.Keys.DeviceLists;
using Matrix.Homeserver.Streams;
using Matrix.Homeserver.Sync.Filtering;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Sync.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Streams;

/// <summary>
/// Top-level presence: the users who share a joined room with the requester (and the requester),
/// whose presence changed after the token's ephemeral serial, and the current presence of users who
/// came to share a room with the requester since the token, changed or not (as Synapse: a client
/// learns nothing else about them). An initial sync leaves out offline users, as Synapse does.
/// </summary>
internal sealed class PresenceStream(PresenceService presence, StreamChanges changes, RoomSelection selection) : ISyncStream
{
    public async Task AddAsync(SyncContext context, SyncResponse response, CancellationToken cancellationToken)
    {
        var filter = context.Filter.Presence;
        if (!presence.Enabled || filter.MatchesNothing() || !filter.AllowsType("m.presence")) return;
        var changed = new Dictionary<string, UserPresence>(StringComparer.Ordinal);
        foreach (var p in presence.ChangedSince(context.Since?.Serial ?? 0))
        {
            if (p.Serial <= context.UpTo.Serial && (!context.IsInitial || p.State != PresenceState.Offline) && filter.Matches("m.presence", p.UserId)) changed[p.UserId] = p;
        }

        var shown = new List<UserPresence>();
        if (await NewlySharingAsync(context, cancellationToken) is { } sharing)
        {
            foreach (var user in sharing)
            {
                if (!changed.ContainsKey(user) && filter.Matches("m.presence", user) && presence.Get(user) is { } p) shown.Add(p);
            }
        }

        if (changed.Count == 0 && shown.Count == 0) return;

        var me = context.UserId;
        var visible = new HashSet<string>(StringComparer.Ordinal);
        if (changed.ContainsKey(me)) visible.Add(me);
        // Users who sync have their memberships kept: whether they share a room with the requester is answered in memory
        // (a message into a big room wakes every member, and each would otherwise ask it of the database). The rest
        // (remote users, users who do not sync) are asked in batches.
        var mine = await selection.JoinedRoomsAsync(context, me, cancellationToken);
        var unknown = new List<string>();
        foreach (var user in changed.Keys)
        {
            if (user == me) continue;
            switch (selection.JoinedToAny(user, mine))
            {
                case true: visible.Add(user); break;
                case null: unknown.Add(user); break;
            }
        }

        foreach (var batch in unknown.Chunk(500))
        {
            var db = context.Db;
            var myRooms = db.RoomMemberships.Where(m => m.UserId == me && m.Membership == Memberships.Join).Select(m => m.RoomId);
            visible.UnionWith(await db.RoomMemberships.AsNoTracking()
                .Where(m => batch.Contains(m.UserId) && m.Membership == Memberships.Join && myRooms.Contains(m.RoomId))
                .Select(m => m.UserId).Distinct().ToListAsync(cancellationToken));
        }

        var events = visible.Select(u => changed[u]).Concat(shown).OrderBy(p => p.Serial).Select(p => new PresenceEvent(p, context.Now).ToNode());
        response.Presence.AddRange(filter.Limited(events));
    }

    /// <summary>
    /// Users who came to share a room with the requester in the window; null (no task, no set: every woken long-poll asks)
    /// without a membership change anywhere.
    /// </summary>
    private async ValueTask<HashSet<string>?> NewlySharingAsync(SyncContext context, CancellationToken cancellationToken)
    {
        if (context.Since is not { } since || context.FullState) return null;
        if (!changes.DeviceLists.MayHaveChanged(StreamChanges.Anywhere, since.Position)) return null;
        return await SharedRooms.NewlySharingAsync(context.Db, context.UserId, since.Position, context.UpTo.Position, cancellationToken);
    }
}
