using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>What the answer asks of a room: the merged parameters of the lists it is in and of its subscription.</summary>
internal sealed record RoomConfig(RequiredState RequiredState, int TimelineLimit)
{
    /// <summary>Changes when the client asks for something else; the room's state is then sent again.</summary>
    public string Key => $"{TimelineLimit}\u001d{RequiredState.Key}";

    public RoomConfig Merge(RoomConfig other) => new(RequiredState.Merge(other.RequiredState), Math.Max(TimelineLimit, other.TimelineLimit));
}

/// <summary>
/// One computation of a sliding sync answer: the connection's state at the client's pos (null for a
/// new connection), the window's end, the user's rooms, and the rooms (with their config) the lists'
/// ranges and the subscriptions select.
/// </summary>
internal sealed class SlidingSyncContext
{
    public required Requester Requester { get; init; }
    public required string ConnId { get; init; }
    public required HomeserverDbContext Db { get; init; }
    public required ConnectionSnapshot? Previous { get; init; }
    public required SyncToken UpTo { get; init; }
    public required IReadOnlyDictionary<string, SlidingRoom> Rooms { get; init; }
    public required IReadOnlyDictionary<string, RoomConfig> Selected { get; init; }

    /// <summary>The rooms of each list's ranges, for the extensions' "lists" scoping.</summary>
    public required IReadOnlyDictionary<string, SlidingListResult> Lists { get; init; }

    /// <summary>The subscribed rooms the user may see.</summary>
    public required IReadOnlySet<string> Subscribed { get; init; }

    /// <summary>Rooms sent with initial: true in this answer (filled by the rooms builder).</summary>
    public HashSet<string> InitialRooms { get; } = new(StringComparer.Ordinal);

    public string UserId => Requester.UserId;

    /// <summary>Where the window starts: the previous answer's end, or nothing for a new connection.</summary>
    public SyncToken? Since => Previous?.Token;

    /// <summary>The lazy-member record of this connection (sync v2's cache, keyed apart from /sync's).</summary>
    public string LazyMemberKey => Requester.DeviceId + "\u001fsliding\u001f" + ConnId;
}
