using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>GET /_matrix/federation/v1/backfill/{roomId}?v=…&amp;limit=….</summary>
public sealed record GetBackfillQuery(string Origin, string RoomId, IReadOnlyList<string> From, int Limit) : IQuery<JsonObject>;

/// <summary>
/// The given events and those before them, deepest first (a walk of prev_events ordered by depth, as Synapse's
/// get_backfill_events), at most 100; outliers and rejected events are not part of any timeline and are left out.
/// </summary>
public sealed class GetBackfillHandler(HomeserverDbContext db, ServerRoomAccess access, ServerEventView view, EventStore events, HomeserverOptions options,
    TimeProvider time) : IQueryHandler<GetBackfillQuery, JsonObject>
{
    public const int MaxLimit = 100;

    public async ValueTask<JsonObject> Handle(GetBackfillQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureCanReadAsync(db, query.RoomId, query.Origin, cancellationToken);
        var limit = Math.Clamp(query.Limit, 0, MaxLimit);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new PriorityQueue<string, long>(Comparer<long>.Create((a, b) => b.CompareTo(a)));
        await EnqueueAsync(query.From, seen, queue, query.RoomId, cancellationToken);

        var found = new List<string>(limit);
        while (found.Count < limit && queue.TryDequeue(out var eventId, out _))
        {
            found.Add(eventId);
            var pdu = await events.GetAsync(db, eventId, cancellationToken);
            if (pdu is not null) await EnqueueAsync(pdu.PrevEvents, seen, queue, query.RoomId, cancellationToken);
        }

        return FederationQuery.PduTransaction(options.ServerName, time, await view.ForServerAsync(db, query.Origin, found, cancellationToken));
    }

    /// <summary>Queues the timeline events of the room among <paramref name="eventIds"/> not seen yet, by depth.</summary>
    private async Task EnqueueAsync(IEnumerable<string> eventIds, HashSet<string> seen, PriorityQueue<string, long> queue, string roomId,
        CancellationToken cancellationToken)
    {
        var fresh = eventIds.Where(seen.Add).ToList();
        if (fresh.Count == 0) return;
        var rows = await db.Events.AsNoTracking()
            .Where(e => fresh.Contains(e.EventId) && e.RoomId == roomId && !e.Outlier && e.RejectedReason == null)
            .Select(e => new { e.EventId, e.Depth }).ToListAsync(cancellationToken);
        foreach (var row in rows) queue.Enqueue(row.EventId, row.Depth);
    }
}
