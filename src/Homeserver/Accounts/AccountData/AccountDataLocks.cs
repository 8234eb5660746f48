using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.Accounts.AccountData;

/// <summary>
/// One account-data writer per user at a time, so read-modify-write updates (tags) queue instead of
/// losing optimistic-concurrency races: eight concurrent tag PUTs exhausted the retries on SQLite.
/// </summary>
public sealed class AccountDataLocks
{
    private readonly RoomLocks _locks = new();

    public Task<IDisposable> AcquireAsync(string userId, CancellationToken cancellationToken) => _locks.AcquireAsync(userId, cancellationToken);
}
