using Matrix.Federation.Events;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.FederationApi;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationSender;

/// <summary>
/// At start, finds local events that were persisted but never queued (the server stopped between the commit and
/// the queueing): those after the position recorded with the last queued PDUs. A first start records the current
/// position and sends no history. At most <see cref="MaxEvents"/> events are looked at.
/// </summary>
public sealed class SenderCatchUp(IDbContextFactory<HomeserverDbContext> dbs, RoomServers servers, HomeserverOptions options, ILogger<SenderCatchUp> logger)
{
    public const int MaxEvents = 10_000;
    private long _scannedUpTo;

    public async Task<List<(string Destination, string EventId)>> FindUnqueuedAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var max = await db.Events.MaxAsync(e => e.StreamOrdering, cancellationToken) ?? 0;
        var recorded = await db.StreamPositions.FirstOrDefaultAsync(s => s.Stream == OutboxStore.SenderStream, cancellationToken);
        if (recorded is null)
        {
            db.StreamPositions.Add(new StreamPosition { Stream = OutboxStore.SenderStream, Position = max });
            await db.SaveChangesAsync(cancellationToken);
            return [];
        }

        var suffix = ":" + options.ServerName;
        var from = recorded.Position;
        var events = await db.Events.AsNoTracking()
            .Where(e => e.StreamOrdering > from && !e.Outlier && e.RejectedReason == null && e.Sender.EndsWith(suffix))
            .OrderBy(e => e.StreamOrdering).Take(MaxEvents)
            .Select(e => new { e.EventId, e.RoomId, e.Type, e.StateKey, e.StreamOrdering, MemberJson = e.Type == EventTypes.Member ? e.Json : null })
            .ToListAsync(cancellationToken);
        _scannedUpTo = events.Count == MaxEvents ? events[^1].StreamOrdering!.Value : max;

        var items = new List<(string, string)>();
        foreach (var room in events.GroupBy(e => e.RoomId))
        {
            var joined = await servers.GetJoinedAsync(db, room.Key, cancellationToken);
            items.AddRange(room.SelectMany(e => RoomEventsSender.Destinations(e.Type, e.StateKey, MembershipOf(e.MemberJson), joined).Select(d => (d, e.EventId))));
        }

        var ids = events.Select(e => e.EventId).ToList();
        var queued = (await db.Set<OutboundFederationItem>().AsNoTracking().Where(i => i.EventId != null && ids.Contains(i.EventId))
            .Select(i => new { i.Destination, i.EventId }).ToListAsync(cancellationToken)).Select(i => (i.Destination, i.EventId!)).ToHashSet();
        var missing = items.Where(i => !queued.Contains(i)).ToList();
        if (missing.Count > 0) logger.LogInformation("Queueing {Count} deliveries of local events that were never queued", missing.Count);
        return missing;
    }

    private static string? MembershipOf(string? memberJson) =>
        memberJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(memberJson)?["content"]?["membership"] is System.Text.Json.Nodes.JsonValue v
            && v.TryGetValue(out string? membership) ? membership : null;

    /// <summary>Records that everything found has been queued.</summary>
    public async Task MarkDoneAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var done = _scannedUpTo;
        await db.StreamPositions.Where(s => s.Stream == OutboxStore.SenderStream && s.Position < done)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Position, done), cancellationToken);
    }
}
