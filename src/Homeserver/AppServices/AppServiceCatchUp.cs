using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// At start, finds events that were persisted but never looked at for the ASes (the server stopped between the commit
/// and the queueing): those after the position recorded with the last queued events, at most <see cref="MaxEvents"/>.
/// A first start records the current position and sends no history; an AS registered since the last run gets none
/// either.
/// </summary>
public sealed class AppServiceCatchUp(IDbContextFactory<HomeserverDbContext> dbs, AppServiceRegistry registry, AppServiceOutbox outbox,
    AppServiceInterest interest, EventStore events, ILogger<AppServiceCatchUp> logger)
{
    public const int MaxEvents = 10_000;

    /// <summary>The (AS, event) pairs to queue, and the position they reach.</summary>
    public async Task<(List<(string AppServiceId, string EventId)> Items, long Position)> FindUnqueuedAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var max = await db.Events.MaxAsync(e => e.StreamOrdering, cancellationToken) ?? 0;
        var known = await outbox.KnownAsync(registry.All.Where(a => a.Url is not null).Select(a => a.Id), cancellationToken);
        var recorded = await db.StreamPositions.FirstOrDefaultAsync(s => s.Stream == AppServiceOutbox.SenderStream, cancellationToken);
        if (recorded is null)
        {
            db.StreamPositions.Add(new StreamPosition { Stream = AppServiceOutbox.SenderStream, Position = max });
            await db.SaveChangesAsync(cancellationToken);
            return ([], max);
        }

        var from = recorded.Position;
        var rows = await db.Events.AsNoTracking()
            .Where(e => e.StreamOrdering > from && !e.Outlier && e.RejectedReason == null)
            .OrderBy(e => e.StreamOrdering).Take(MaxEvents)
            .Select(e => new { e.EventId, e.RoomId, e.StreamOrdering }).ToListAsync(cancellationToken);
        var upTo = rows.Count == MaxEvents ? rows[^1].StreamOrdering!.Value : max;

        var items = new List<(string AppServiceId, string EventId)>();
        foreach (var room in rows.GroupBy(e => e.RoomId))
        {
            var joined = await db.RoomMemberships.AsNoTracking().Where(m => m.RoomId == room.Key && m.Membership == Memberships.Join)
                .Select(m => m.UserId).ToListAsync(cancellationToken);
            var pdus = await events.GetManyAsync(db, room.Select(e => e.EventId).ToList(), cancellationToken);
            var ordered = room.Select(e => pdus.GetValueOrDefault(e.EventId)).OfType<Matrix.Federation.Events.Pdu>().ToList();
            items.AddRange(await interest.MatchAsync(db, room.Key, ordered, joined, cancellationToken));
        }

        var ids = rows.Select(e => e.EventId).ToList();
        var queued = (await db.Set<AppServiceOutboxItem>().AsNoTracking().Where(i => i.EventId != null && ids.Contains(i.EventId))
            .Select(i => new { i.AppServiceId, i.EventId }).ToListAsync(cancellationToken)).Select(i => (i.AppServiceId, i.EventId!)).ToHashSet();
        var missing = items.Where(i => known.Contains(i.AppServiceId) && !queued.Contains(i)).ToList();
        if (missing.Count > 0) logger.LogInformation("Queueing {Count} deliveries to application services of events that were never queued", missing.Count);
        return (missing, upTo);
    }

    /// <summary>Records that everything up to <paramref name="position"/> has been looked at.</summary>
    public async Task MarkDoneAsync(long position, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await db.StreamPositions.Where(s => s.Stream == AppServiceOutbox.SenderStream && s.Position < position)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Position, position), cancellationToken);
    }
}
