using System.Collections.Concurrent;
using System.Collections.Immutable;
using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The head of each room as the last local write left it (version, current state and its group, forward
/// extremities, depth), so the next local send builds on it without reading the room and its
/// extremities again. Only touched under the room's lock: a local write takes the head out and puts the
/// new one back once committed (a failed write leaves none); every other writer of a room's events or
/// rows (remote events, out-of-band memberships, purges) forgets it, and the next send reads the database.
/// </summary>
public sealed class RoomHeads
{
    private const int MaxRooms = 4096;
    private readonly ConcurrentDictionary<string, RoomHead> _heads = new(StringComparer.Ordinal);

    public RoomHead? Take(string roomId) => _heads.TryRemove(roomId, out var head) ? head : null;

    /// <summary>The head, left in place: null while a write holds it or after another writer forgot it.</summary>
    public RoomHead? Peek(string roomId) => _heads.GetValueOrDefault(roomId);

    public void Put(string roomId, RoomHead head)
    {
        if (_heads.Count >= MaxRooms) _heads.Clear();
        _heads[roomId] = head;
    }

    public void Forget(string roomId) => _heads.TryRemove(roomId, out _);
}

/// <summary>A room's head after a committed local write, and its newest timeline events.</summary>
public sealed record RoomHead(RoomVersion Version, ImmutableDictionary<StateKey, string> State, long? StateGroup, IReadOnlyList<string> Extremities, long Depth,
    RecentTimeline? Recent)
{
    /// <summary>The chain length of <see cref="StateGroup"/> (deltas since its full snapshot), when the write that left it knew it.</summary>
    public int? StateGroupChainLength { get; init; }
}
