using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>Room events hold stream positions (backfilled events negative ones).</summary>
internal sealed class EventStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.Events.MaxAsync(e => e.StreamOrdering, cancellationToken) ?? 0;
}
