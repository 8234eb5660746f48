using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.FederationApi.Ingest;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Backfill;

/// <summary>
/// Fetches a room's older history from other servers when a client pages back past the oldest event we hold
/// (spec "Backfilling and retrieving missing events"). The events before our backward extremities are asked of the
/// servers in the room with GET /backfill, checked like any received PDU, and taken in oldest first as backfilled
/// events, below everything we had. Nothing happens once the room's create event is in our timeline.
/// </summary>
public sealed class RoomHistoryBackfiller(
    RoomEventRequests requests, AuthEventFetcher fetcher, IncomingPduHandler handler, RoomEventWriter writer, RoomServers servers, EventStore events,
    IDbContextFactory<HomeserverDbContext> dbs, HomeserverOptions options, ILogger<RoomHistoryBackfiller> logger) : Matrix.Homeserver.Events.Pagination.IRoomHistoryBackfill
{
    /// <summary>Servers asked, in turn, before giving up.</summary>
    private const int MaxServersAsked = 3;

    /// <summary>Backward extremities named in one request.</summary>
    private const int MaxExtremities = 5;

    /// <summary>
    /// Call when a backwards page of <paramref name="roomId"/> reaches the oldest event we hold. Returns how many
    /// events were added to the timeline (0 when history is complete or no server gave any).
    /// </summary>
    public async Task<int> BackfillAsync(string roomId, CancellationToken cancellationToken)
    {
        if (!options.Federation.Enabled) return 0;
        List<string> extremities;
        IReadOnlySet<string> joined;
        Matrix.Federation.Rooms.RoomVersion? version;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            version = await events.GetRoomVersionAsync(db, roomId, cancellationToken);
            if (version is null || await HasCreateEventAsync(db, roomId, cancellationToken)) return 0;
            extremities = await BackwardExtremitiesAsync(db, roomId, cancellationToken);
            joined = await servers.GetJoinedAsync(db, roomId, cancellationToken);
        }

        if (extremities.Count == 0) return 0;
        foreach (var server in joined.Where(s => s != options.ServerName).Order(StringComparer.Ordinal).Take(MaxServersAsked))
        {
            var context = handler.NewContext(server, roomId, version);
            var pdus = await FetchAsync(context, extremities, cancellationToken);
            if (pdus.Count == 0) continue;

            var first = await writer.ReserveBackfillPositionsAsync(pdus.Count, cancellationToken);
            var results = await handler.HandlePulledAsync(context, pdus, first, cancellationToken);
            var added = results.Count(r => r.Outcome is IncomingOutcome.Accepted or IncomingOutcome.SoftFailed);
            logger.LogInformation("Backfilled {Added} of {Count} events of {RoomId} from {Server}", added, pdus.Count, roomId, server);
            if (added > 0) return added;
        }

        return 0;
    }

    /// <summary>The events a server gives before the extremities, checked, oldest first.</summary>
    private async Task<List<Pdu>> FetchAsync(IngestContext context, List<string> extremities, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await requests.BackfillAsync(context.Origin, context.RoomId, extremities, options.FederationEvents.BackfillLimit, cancellationToken);
            if (!context.TryTake(answer.Count)) return [];
            var pdus = await fetcher.CheckAllAsync(context, answer, cancellationToken);
            return [.. pdus.DistinctBy(p => p.EventId).OrderBy(p => p.Depth)];
        }
        catch (FederationException e)
        {
            logger.LogInformation("{Server} gave no history of {RoomId}: {Reason}", context.Origin, context.RoomId, e.Message);
            return [];
        }
    }

    private static Task<bool> HasCreateEventAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken) =>
        db.Events.AsNoTracking().AnyAsync(e => e.RoomId == roomId && e.Type == EventTypes.Create && e.StateKey == "" && !e.Outlier, cancellationToken);

    /// <summary>
    /// The prev events of our oldest timeline events that are not in our timeline themselves: where history stops.
    /// The ones under the oldest events come first.
    /// </summary>
    private static async Task<List<string>> BackwardExtremitiesAsync(HomeserverDbContext db, string roomId, CancellationToken cancellationToken)
    {
        var timeline = db.Events.AsNoTracking().Where(e => e.RoomId == roomId && !e.Outlier);
        var edges = await db.EventEdges.AsNoTracking()
            .Join(timeline, edge => edge.EventNid, e => e.Nid, (edge, e) => new { edge.PrevEventId, e.StreamOrdering })
            .Where(x => !timeline.Any(p => p.EventId == x.PrevEventId))
            .OrderBy(x => x.StreamOrdering).Select(x => x.PrevEventId).Take(MaxExtremities * 4).ToListAsync(cancellationToken);
        return [.. edges.Distinct(StringComparer.Ordinal).Take(MaxExtremities)];
    }
}
