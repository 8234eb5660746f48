using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>Looks up the event a client transaction (user, device, endpoint path) already produced.</summary>
public static class ClientTransactions
{
    public static Task<string?> FindEventIdAsync(HomeserverDbContext db, string userId, ClientTransaction transaction, CancellationToken cancellationToken) =>
        db.EventTransactions.AsNoTracking()
            .Where(t => t.UserId == userId && t.DeviceId == transaction.DeviceId && t.Path == transaction.Path)
            .Select(t => t.EventId).FirstOrDefaultAsync(cancellationToken);
}
