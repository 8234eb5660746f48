using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// What the processing of one received PDU (or one pulled batch) may use: the server to ask for what is missing,
/// the room, and a budget of events it may fetch, shared by every step so that no chain of fetches is unbounded.
/// </summary>
public sealed class IngestContext(string origin, string roomId, RoomVersion version, int maxFetchedEvents)
{
    private int _remaining = maxFetchedEvents;

    /// <summary>The server that sent the PDU; every fetch goes to it.</summary>
    public string Origin { get; } = origin;

    public string RoomId { get; } = roomId;
    public RoomVersion Version { get; } = version;

    public int Remaining => Volatile.Read(ref _remaining);

    /// <summary>Takes <paramref name="count"/> events from the budget; false (and nothing taken) when it does not hold that many.</summary>
    public bool TryTake(int count)
    {
        while (true)
        {
            var remaining = Volatile.Read(ref _remaining);
            if (remaining < count) return false;
            if (Interlocked.CompareExchange(ref _remaining, remaining - count, remaining) == remaining) return true;
        }
    }
}

/// <summary>A received PDU could not be processed (what it needs could not be had); it is dropped with this message.</summary>
public sealed class IngestException(string message) : Exception(message);
