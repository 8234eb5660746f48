using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Sync.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>A list of the answer: how many rooms pass its filters, and the room IDs inside its ranges.</summary>
internal sealed record SlidingListResult(int Count, IReadOnlyList<string> RoomIds);

/// <summary>
/// The user's rooms for sliding sync lists (MSC4186): every room with a membership except those the
/// user left themselves (kept only when the leave is new to the connection, so the client learns
/// of it), as Synapse does. One query reads the memberships with each room's latest and latest bump
/// event; the filters read current state and m.direct in batches. Lists sort by bump_stamp, newest
/// first, then by room ID.
/// </summary>
internal sealed class SlidingRoomLists(EventStore events, AccountDataService accountData)
{
    /// <summary>Events that move a room up the list (Synapse's SLIDING_SYNC_DEFAULT_BUMP_EVENT_TYPES).</summary>
    public static readonly string[] BumpTypes =
    [
        EventTypes.Create, EventTypes.Message, EventTypes.Encrypted, "m.sticker", "m.call.invite", "m.poll.start", "org.matrix.msc3381.poll.start", "m.beacon_info",
    ];

    private const string DirectType = "m.direct";
    private const string SpaceChild = "m.space.child";
    private const int Chunk = 500;

    public async Task<Dictionary<string, SlidingRoom>> LoadAsync(HomeserverDbContext db, string userId, long upTo, long? since, CancellationToken cancellationToken)
    {
        var timeline = TimelineLoader.TimelineEvents(db, after: null, upTo);
        var bumpTypes = BumpTypes;
        var rows = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && !m.Forgotten)
            .Select(m => new
            {
                m.RoomId, m.Membership, m.EventId, m.Sender, m.StreamOrdering,
                Latest = timeline.Where(e => e.RoomId == m.RoomId && (m.Membership == Memberships.Join || e.StreamOrdering <= m.StreamOrdering)).Max(e => e.StreamOrdering),
                Bump = timeline.Where(e => e.RoomId == m.RoomId && bumpTypes.Contains(e.Type) && (m.Membership == Memberships.Join || e.StreamOrdering <= m.StreamOrdering))
                    .Max(e => e.StreamOrdering),
            })
            .ToListAsync(cancellationToken);

        var rooms = rows
            .Where(r => r.StreamOrdering <= upTo && (r.Membership is not (Memberships.Leave or Memberships.Ban) || r.Sender != userId || r.StreamOrdering > (since ?? long.MaxValue)))
            .ToDictionary(r => r.RoomId, r => new SlidingRoom
            {
                RoomId = r.RoomId, Membership = r.Membership, MembershipEventId = r.EventId, MembershipStream = r.StreamOrdering,
                Latest = r.Latest ?? 0, BumpStamp = r.Bump ?? r.StreamOrdering,
            }, StringComparer.Ordinal);
        // Spec "Invite permission": while the user blocks invites, the invites they hold are not served.
        if (rooms.Values.Any(r => r.Membership == Memberships.Invite) && await InvitePermission.BlocksInvitesAsync(db, userId, cancellationToken))
        {
            foreach (var invite in rooms.Values.Where(r => r.Membership == Memberships.Invite).ToList()) rooms.Remove(invite.RoomId);
        }

        await AddRoomFactsAsync(db, rooms, cancellationToken);
        await AddDirectAsync(db, userId, rooms, cancellationToken);
        return rooms;
    }

    /// <summary>Each list's count and the rooms in its ranges (all of them without ranges).</summary>
    public async Task<Dictionary<string, SlidingListResult>> ApplyAsync(HomeserverDbContext db, IReadOnlyDictionary<string, SlidingRoom> rooms,
        IReadOnlyDictionary<string, SlidingListRequest> lists, CancellationToken cancellationToken)
    {
        var sorted = rooms.Values.OrderByDescending(r => r.BumpStamp).ThenBy(r => r.RoomId, StringComparer.Ordinal).ToList();
        var spaces = lists.Values.SelectMany(l => l.Filters?.Spaces ?? []).Distinct(StringComparer.Ordinal).ToList();
        var children = await SpaceChildrenAsync(db, spaces, cancellationToken);
        var result = new Dictionary<string, SlidingListResult>(StringComparer.Ordinal);
        foreach (var (name, list) in lists)
        {
            var matching = sorted.Where(r => Passes(r, list.Filters, children)).ToList();
            var picked = list.Ranges is null
                ? matching.Select(r => r.RoomId)
                : list.Ranges.SelectMany(range => matching.Skip((int)Math.Min(range[0], int.MaxValue)).Take((int)Math.Min(range[1] - range[0] + 1, int.MaxValue)))
                    .Select(r => r.RoomId).Distinct(StringComparer.Ordinal);
            result[name] = new SlidingListResult(matching.Count, [.. picked]);
        }

        return result;
    }

    private static bool Passes(SlidingRoom room, SlidingListFilters? filters, Dictionary<string, HashSet<string>> children)
    {
        if (filters is null) return true;
        if (filters.IsDm is { } dm && room.IsDm != dm) return false;
        if (filters.IsEncrypted is { } encrypted && room.IsEncrypted != encrypted) return false;
        if (filters.IsInvite is { } invite && (room.Membership == Memberships.Invite) != invite) return false;
        if (filters.RoomTypes is { } types && !types.Contains(room.RoomType)) return false;
        if (filters.NotRoomTypes is { } notTypes && notTypes.Contains(room.RoomType)) return false;
        return filters.Spaces is not { } spaces || spaces.Any(s => children.TryGetValue(s, out var c) && c.Contains(room.RoomId));
    }

    /// <summary>Room type (the create event's content.type) and encryption, from current state.</summary>
    private async Task AddRoomFactsAsync(HomeserverDbContext db, Dictionary<string, SlidingRoom> rooms, CancellationToken cancellationToken)
    {
        foreach (var chunk in rooms.Keys.Chunk(Chunk))
        {
            var state = await db.CurrentState.AsNoTracking()
                .Where(c => chunk.Contains(c.RoomId) && c.StateKey == "" && (c.Type == EventTypes.Create || c.Type == EventTypes.Encryption))
                .Select(c => new { c.RoomId, c.Type, c.EventId }).ToListAsync(cancellationToken);
            foreach (var s in state.Where(s => s.Type == EventTypes.Encryption)) rooms[s.RoomId].IsEncrypted = true;
            var creates = await events.GetManyAsync(db, state.Where(s => s.Type == EventTypes.Create).Select(s => s.EventId), cancellationToken);
            foreach (var create in creates.Values)
            {
                rooms[create.RoomId].RoomType = create.Content["type"] is JsonValue v && v.TryGetValue(out string? type) ? type : null;
            }
        }
    }

    /// <summary>DMs: rooms listed in the user's m.direct, and invites marked is_direct.</summary>
    private async Task AddDirectAsync(HomeserverDbContext db, string userId, Dictionary<string, SlidingRoom> rooms, CancellationToken cancellationToken)
    {
        if (await accountData.GetAsync(userId, null, DirectType, cancellationToken) is { } direct)
        {
            foreach (var (_, ids) in direct)
            {
                if (ids is not JsonArray array) continue;
                foreach (var id in array)
                {
                    if (id is JsonValue v && v.TryGetValue(out string? roomId) && rooms.TryGetValue(roomId, out var room)) room.IsDm = true;
                }
            }
        }

        var invites = rooms.Values.Where(r => r.Membership == Memberships.Invite).ToList();
        var pdus = await events.GetManyAsync(db, invites.Select(r => r.MembershipEventId), cancellationToken);
        foreach (var invite in invites)
        {
            if (pdus.TryGetValue(invite.MembershipEventId, out var pdu) && pdu.Content["is_direct"] is JsonValue v && v.TryGetValue(out bool isDirect) && isDirect) invite.IsDm = true;
        }
    }

    /// <summary>The rooms each space lists as children (m.space.child with a non-empty via).</summary>
    private async Task<Dictionary<string, HashSet<string>>> SpaceChildrenAsync(HomeserverDbContext db, List<string> spaces, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (spaces.Count == 0) return result;
        var rows = await db.CurrentState.AsNoTracking().Where(c => spaces.Contains(c.RoomId) && c.Type == SpaceChild)
            .Select(c => c.EventId).ToListAsync(cancellationToken);
        foreach (var pdu in (await events.GetManyAsync(db, rows, cancellationToken)).Values)
        {
            if (pdu.Content["via"] is not JsonArray { Count: > 0 } || pdu.StateKey is null) continue;
            if (!result.TryGetValue(pdu.RoomId, out var set)) result[pdu.RoomId] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(pdu.StateKey);
        }

        return result;
    }
}
