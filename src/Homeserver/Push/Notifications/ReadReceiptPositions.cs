using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Push.Notifications;

/// <summary>
/// How far a user has read in a room, as stream orderings of the events their read receipts point at
/// (the newer of m.read and m.read.private): the unthreaded receipt covers every thread, a threaded one
/// ("main" or a thread root) only its thread (spec: "Threaded read receipts").
/// </summary>
public sealed record ReadPosition(long Unthreaded, IReadOnlyDictionary<string, long> Threads)
{
    public static readonly ReadPosition None = new(0, new Dictionary<string, long>());

    /// <summary>Events of the thread at or before this position are read.</summary>
    public long For(string threadId) => Math.Max(Unthreaded, Threads.GetValueOrDefault(threadId));
}

/// <summary>
/// The seam between notification counts and read receipts (which the sync feature stores and answers
/// with its ReceiptReadPositions): where the user has read up to in each room. Rooms without receipts
/// may be left out.
/// </summary>
public interface IReadReceiptPositions
{
    Task<IReadOnlyDictionary<string, ReadPosition>> GetAsync(IDbSource db, string userId, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken);
}
