using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Keys.DeviceLists;

internal sealed class DeviceListStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.DeviceListChanges.MaxAsync(c => (long?)c.StreamPosition, cancellationToken) ?? 0;
}
