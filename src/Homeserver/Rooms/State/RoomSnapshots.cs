using System.Collections.Concurrent;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.State;

/// <summary>A member of a room now: joined, invited or knocking, and since which stream position.</summary>
public sealed record RoomMember(string UserId, string Membership, string? DisplayName, long Since);

/// <summary>
/// What every listener of a new event asks of its room (who to wake, whose push rules to run, which
/// servers to send it to, the power levels push conditions read), as of one current state group.
/// </summary>
public sealed class RoomSnapshot(long? stateGroup, IReadOnlyList<RoomMember> members, PowerLevels powerLevels)
{
    private IReadOnlySet<string>? _joinedServers;

    public long? StateGroup { get; } = stateGroup;

    /// <summary>Joined, invited and knocking members.</summary>
    public IReadOnlyList<RoomMember> Members { get; } = members;

    public PowerLevels PowerLevels { get; } = powerLevels;

    public int JoinedCount { get; } = members.Count(m => m.Membership == Memberships.Join);

    /// <summary>Every server with a joined member (ours included when we are in the room).</summary>
    public IReadOnlySet<string> JoinedServers => _joinedServers ??= Members.Where(m => m.Membership == Memberships.Join)
        .Select(m => RequestIds.ServerOf(m.UserId)).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// Room snapshots cached by the room's current state group: memberships and power levels change only
/// with the state, so after each event one primary-key read of the room's state group tells whether the
/// cached snapshot still holds (before, a send ran six queries here across sync, push and federation).
/// </summary>
public sealed class RoomSnapshots(RoomStateReader state)
{
    private const int MaxCached = 4096;
    private readonly ConcurrentDictionary<string, RoomSnapshot> _cache = new(StringComparer.Ordinal);

    // Compiled once: every batch of events asks it.
    private static readonly Func<HomeserverDbContext, string, CancellationToken, Task<long?>> CurrentStateGroup =
        EF.CompileAsyncQuery((HomeserverDbContext db, string roomId, CancellationToken _) =>
            db.Rooms.AsNoTracking().Where(r => r.RoomId == roomId).Select(r => r.CurrentStateGroup).FirstOrDefault());

    public Task<RoomSnapshot> GetAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        GetAsync(db, roomId, currentGroup: null, cancellationToken);

    /// <param name="currentGroup">The room's current state group when the caller knows it (else the room's head or row has it).</param>
    public async Task<RoomSnapshot> GetAsync(HomeserverDbContext db, string roomId, long? currentGroup, CancellationToken cancellationToken)
    {
        var group = currentGroup ?? state.HeadStateGroup(roomId) ?? await CurrentStateGroup(db, roomId, cancellationToken);
        if (Cached(roomId, group) is { } cached) return cached;

        // Read after the group: the members are at least as new as it, so a match never serves older ones.
        var members = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.RoomId == roomId && (m.Membership == Memberships.Join || m.Membership == Memberships.Invite || m.Membership == Memberships.Knock))
            .Select(m => new RoomMember(m.UserId, m.Membership, m.DisplayName, m.StreamOrdering))
            .ToListAsync(cancellationToken);
        var levels = PowerLevels.From(
            await state.GetStateEventAsync(db, roomId, EventTypes.Create, "", cancellationToken),
            await state.GetStateEventAsync(db, roomId, EventTypes.PowerLevels, "", cancellationToken));
        var snapshot = new RoomSnapshot(group, members, levels);
        if (group is not null) Keep(roomId, snapshot);
        return snapshot;
    }

    /// <summary>The cached snapshot when it is of the current state group the room's head names (no read at all); else null.</summary>
    public RoomSnapshot? CachedCurrent(string roomId) => Cached(roomId, state.HeadStateGroup(roomId));

    private RoomSnapshot? Cached(string roomId, long? group) =>
        group is not null && _cache.TryGetValue(roomId, out var cached) && cached.StateGroup == group ? cached : null;

    /// <summary>
    /// After a local write moved the room from <paramref name="fromGroup"/> to <paramref name="toGroup"/> with
    /// <paramref name="events"/> (under the room's lock, once committed): the cached snapshot of the old group, with the
    /// events' memberships applied, becomes the new group's, so a join or a topic change does not read the room's members
    /// again (a thousand rows per join in a thousand-member room). A new room's starts empty, its power levels from its
    /// own create and power levels events; a new power levels event in an existing room leaves it to the next read.
    /// </summary>
    public void Advance(string roomId, long? fromGroup, long? toGroup, IReadOnlyList<(Pdu Pdu, long Position)> events)
    {
        if (toGroup is null) return;
        var created = fromGroup is null && events.Count > 0 && events[0].Pdu.Type == EventTypes.Create;
        RoomSnapshot? cached = null;
        if (!created && (fromGroup is null || !_cache.TryGetValue(roomId, out cached) || cached.StateGroup != fromGroup)) return;

        var members = created ? [] : cached!.Members.ToDictionary(m => m.UserId, StringComparer.Ordinal);
        Pdu? powerLevels = null;
        foreach (var (pdu, position) in events)
        {
            if (pdu.Type == EventTypes.PowerLevels && pdu.StateKey == "")
            {
                if (!created)
                {
                    _cache.TryRemove(roomId, out _);
                    return;
                }

                powerLevels = pdu;
            }

            if (pdu.Membership is not { } membership) continue;
            if (membership is Memberships.Join or Memberships.Invite or Memberships.Knock)
            {
                members[pdu.StateKey!] = new RoomMember(pdu.StateKey!, membership, JsonFields.String(pdu, "displayname"), position);
            }
            else
            {
                members.Remove(pdu.StateKey!);
            }
        }

        var levels = created ? PowerLevels.From(events[0].Pdu, powerLevels) : cached!.PowerLevels;
        Keep(roomId, new RoomSnapshot(toGroup, [.. members.Values], levels));
    }

    private void Keep(string roomId, RoomSnapshot snapshot)
    {
        if (_cache.Count >= MaxCached) _cache.Clear();
        _cache[roomId] = snapshot;
    }

    /// <summary>For a membership written without a state change (an out-of-band invite, knock or rejection).</summary>
    public void Forget(string roomId) => _cache.TryRemove(roomId, out _);
}
