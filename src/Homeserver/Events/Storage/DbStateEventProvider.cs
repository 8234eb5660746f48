using Matrix.Federation.StateResolution;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>State resolution's view of the database: stored events with their rejection flags.</summary>
public sealed class DbStateEventProvider(HomeserverDbContext db, EventStore events) : IStateEventProvider
{
    public async ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var pdus = await events.GetManyAsync(db, eventIds, cancellationToken);
        var rejected = await GetRejectedAsync(pdus.Keys, cancellationToken);
        return pdus.ToDictionary(kv => kv.Key, kv => new StoredEvent(kv.Value, rejected.Contains(kv.Key)), StringComparer.Ordinal);
    }

    public async ValueTask<IReadOnlySet<string>> GetRejectedAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in eventIds.Chunk(500))
        {
            rejected.UnionWith(await db.Events.AsNoTracking()
                .Where(e => batch.Contains(e.EventId) && e.RejectedReason != null)
                .Select(e => e.EventId).ToListAsync(cancellationToken));
        }

        return rejected;
    }
}
