using Matrix.Homeserver.Rooms;

namespace Matrix.Homeserver.FederationApi.KeysEdus;

/// <summary>
/// One device-list writer per user at a time for federation: outbound updates take their stream IDs and
/// enter the queues in order, and inbound updates of a remote user apply (or resync) one after another.
/// </summary>
public sealed class KeyEduLocks
{
    private readonly RoomLocks _locks = new();

    public Task<IDisposable> AcquireAsync(string userId, CancellationToken cancellationToken) => _locks.AcquireAsync(userId, cancellationToken);
}
