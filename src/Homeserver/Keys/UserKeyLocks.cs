using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.Keys;

/// <summary>
/// One key writer per user at a time (uploads, cross-signing, signatures), so read-check-write
/// sequences such as "is this one-time key ID new?" never race. A keyed lock like the rooms' one.
/// </summary>
public sealed class UserKeyLocks
{
    private readonly RoomLocks _locks = new();

    public Task<IDisposable> AcquireAsync(string userId, CancellationToken cancellationToken) => _locks.AcquireAsync(userId, cancellationToken);
}
