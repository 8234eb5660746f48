using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.ToDevice;

internal sealed class ToDeviceStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.ToDeviceMessages.MaxAsync(m => (long?)m.StreamPosition, cancellationToken) ?? 0;
}
