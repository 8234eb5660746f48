using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>Looks up the event a client transaction (user, device, endpoint path) already produced.</summary>
public static class ClientTransactions
{
    // Compiled once: every send looks its transaction up (a relation or redaction twice: before its checks and inside the write).
    private static readonly Func<HomeserverDbContext, string, string, string, CancellationToken, Task<string?>> Find =
        EF.CompileAsyncQuery((HomeserverDbContext db, string userId, string deviceId, string path, CancellationToken _) =>
            db.EventTransactions.AsNoTracking()
                .Where(t => t.UserId == userId && t.DeviceId == deviceId && t.Path == path)
                .Select(t => t.EventId).FirstOrDefault());

    public static Task<string?> FindEventIdAsync(HomeserverDbContext db, string userId, ClientTransaction transaction, CancellationToken cancellationToken) =>
        Find(db, userId, transaction.DeviceId, transaction.Path, cancellationToken);

    public static Task<string?> FindEventIdAsync(HomeserverDbContext db, string userId, string deviceId, string path, CancellationToken cancellationToken) =>
        Find(db, userId, deviceId, path, cancellationToken);
}
