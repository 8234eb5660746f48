namespace Matrix.Homeserver.Events.Pagination;

/// <summary>
/// Older history of a room from other servers, for a backwards page that runs out of events (the federation feature
/// implements it; without federation nothing is fetched).
/// </summary>
public interface IRoomHistoryBackfill
{
    /// <summary>How many events were added to the room's timeline, below what it held (0: none, or history complete).</summary>
    Task<int> BackfillAsync(string roomId, CancellationToken cancellationToken);
}

/// <summary>No federation: the history held is all there is.</summary>
public sealed class NoHistoryBackfill : IRoomHistoryBackfill
{
    public Task<int> BackfillAsync(string roomId, CancellationToken cancellationToken) => Task.FromResult(0);
}
