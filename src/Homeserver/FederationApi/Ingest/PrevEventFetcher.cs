using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// Asks the origin of a PDU for the events between our room and it (tuwunel's fetch_prev): POST
/// /get_missing_events with our forward extremities as the earliest events, the PDU as the latest, a small limit
/// and the depth of our oldest event as the floor. One request per PDU; what it does not cover is left to
/// <see cref="StateAtIncoming"/>.
/// </summary>
public sealed class PrevEventFetcher(
    RoomEventRequests requests, ReceivedPduChecks checks, IDbContextFactory<HomeserverDbContext> dbs, HomeserverOptions options, ILogger<PrevEventFetcher> logger)
{
    /// <summary>The missing events the origin gave that pass the checks and are not in our timeline yet, oldest first.</summary>
    public async Task<List<Pdu>> FetchAsync(IngestContext context, Pdu pdu, long minDepth, CancellationToken cancellationToken)
    {
        List<string> earliest;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var extremities = await db.ForwardExtremities.AsNoTracking().Where(f => f.RoomId == context.RoomId).Select(f => f.EventId).ToListAsync(cancellationToken);
            var seen = await KnownEvents.InTimelineAsync(db, pdu.PrevEvents, cancellationToken);
            earliest = [.. extremities.Union(seen, StringComparer.Ordinal)];
        }

        var limit = Math.Min(options.FederationEvents.MissingEventsLimit, context.Remaining);
        if (limit <= 0) return [];
        List<System.Text.Json.Nodes.JsonObject> answer;
        try
        {
            answer = await requests.GetMissingEventsAsync(context.Origin, context.RoomId, earliest, [pdu.EventId], limit, minDepth, cancellationToken);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not get the events missing before {EventId} from {Origin}: {Reason}", pdu.EventId, context.Origin, e.Message);
            return [];
        }

        context.TryTake(answer.Count);
        var fetched = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        foreach (var json in answer)
        {
            var result = await checks.CheckAsync(json, context.Version, context.RoomId, enforceReferenceLimits: true, cancellationToken);
            if (result.Pdu is { } missing && missing.EventId != pdu.EventId) fetched.TryAdd(missing.EventId, missing);
        }

        await using var check = await dbs.CreateDbContextAsync(cancellationToken);
        var present = await KnownEvents.InTimelineAsync(check, fetched.Keys, cancellationToken);
        return [.. fetched.Values.Where(p => !present.Contains(p.EventId)).OrderBy(p => p.Depth)];
    }
}
