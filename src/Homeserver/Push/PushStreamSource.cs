using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Push;

/// <summary>Push rule changes and notification writes hold stream positions.</summary>
internal sealed class PushStreamSource : IStreamSource
{
    public async Task<long> MaxPositionAsync(HomeserverDbContext db, CancellationToken cancellationToken)
    {
        var rules = await db.Set<PushRulesChange>().MaxAsync(c => (long?)c.StreamPosition, cancellationToken) ?? 0;
        var notifications = await db.Set<EventPushAction>().MaxAsync(a => (long?)a.WrittenAt, cancellationToken) ?? 0;
        return Math.Max(rules, notifications);
    }
}
