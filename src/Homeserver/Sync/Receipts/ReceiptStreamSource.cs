using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>Receipts hold stream positions: the generator resumes after the highest.</summary>
internal sealed class ReceiptStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken) =>
        await db.Receipts.MaxAsync(r => (long?)r.StreamPosition, cancellationToken) ?? 0;
}
