using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>Which events we hold: stored at all (outliers and rejected ones included), or in the room's timeline.</summary>
public static class KnownEvents
{
    private const int Batch = 500;

    /// <summary>The IDs among <paramref name="eventIds"/> with a row, whatever its state: none of these needs fetching.</summary>
    public static Task<HashSet<string>> StoredAsync(HomeserverDbContext db, IEnumerable<string> eventIds, CancellationToken cancellationToken) =>
        FindAsync(db, eventIds, timelineOnly: false, cancellationToken);

    /// <summary>The IDs among <paramref name="eventIds"/> in the timeline (not outliers; rejected events are stored as outliers).</summary>
    public static Task<HashSet<string>> InTimelineAsync(HomeserverDbContext db, IEnumerable<string> eventIds, CancellationToken cancellationToken) =>
        FindAsync(db, eventIds, timelineOnly: true, cancellationToken);

    /// <summary>For each ID among <paramref name="eventIds"/> that has a row: whether it is in the timeline (not an outlier).</summary>
    public static async Task<Dictionary<string, bool>> InTimelineByIdAsync(HomeserverDbContext db, IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var batch in eventIds.Distinct().Chunk(Batch))
        {
            foreach (var row in await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId)).Select(e => new { e.EventId, e.Outlier }).ToListAsync(cancellationToken))
            {
                found[row.EventId] = !row.Outlier;
            }
        }

        return found;
    }

    private static async Task<HashSet<string>> FindAsync(HomeserverDbContext db, IEnumerable<string> eventIds, bool timelineOnly, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in eventIds.Distinct().Chunk(Batch))
        {
            var rows = db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId));
            if (timelineOnly) rows = rows.Where(e => !e.Outlier);
            found.UnionWith(await rows.Select(e => e.EventId).ToListAsync(cancellationToken));
        }

        return found;
    }
}
