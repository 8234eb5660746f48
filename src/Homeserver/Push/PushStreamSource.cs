using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push;

/// <summary>
/// Notification writes hold stream positions (push rule changes take theirs in the account data table,
/// as the m.push_rules event).
/// </summary>
internal sealed class PushStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.Set<EventPushAction>().MaxAsync(a => (long?)a.WrittenAt, cancellationToken) ?? 0;
}
