using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// Stores checked events as outliers (auth chains, the state at a gap): each after the auth events it cites,
/// and each judged by those auth events (rejected if they do not allow it). An event citing an auth event that is
/// neither stored nor in the batch is left out rather than rejected: the event may be fine, we just lack proof.
/// </summary>
public sealed class OutlierPersister(RoomEventWriter writer, IDbContextFactory<HomeserverDbContext> dbs, ILogger<OutlierPersister> logger)
{
    /// <summary>Persists the events not stored yet; returns how many were (accepted or rejected).</summary>
    public async Task<int> PersistAsync(IReadOnlyCollection<Pdu> pdus, CancellationToken cancellationToken)
    {
        if (pdus.Count == 0) return 0;
        var batch = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        foreach (var pdu in pdus) batch.TryAdd(pdu.EventId, pdu);

        HashSet<string> available;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            available = await KnownEvents.StoredAsync(db, batch.Keys.Concat(batch.Values.SelectMany(AuthEventReferences.Of)), cancellationToken);
        }

        var persisted = 0;
        foreach (var pdu in AuthOrder(batch.Values.Where(p => !available.Contains(p.EventId))))
        {
            var lacking = AuthEventReferences.Of(pdu).FirstOrDefault(id => !available.Contains(id));
            if (lacking is not null)
            {
                logger.LogInformation("Left out {EventId}: its auth event {AuthEventId} could not be found", pdu.EventId, lacking);
                continue;
            }

            await writer.PersistRemoteAsync(new IncomingEvent(pdu) { Outlier = true }, cancellationToken);
            available.Add(pdu.EventId);
            persisted++;
        }

        return persisted;
    }

    /// <summary>
    /// The events ordered so that each comes after those of its auth events that are in the set (Kahn's algorithm,
    /// oldest depth first among the ready ones). Events on an auth cycle, which no valid room has, are left out.
    /// </summary>
    public static List<Pdu> AuthOrder(IEnumerable<Pdu> pdus)
    {
        var byId = pdus.GroupBy(p => p.EventId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var waitingOn = new Dictionary<string, int>(StringComparer.Ordinal);
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pdu in byId.Values)
        {
            var inBatch = AuthEventReferences.Of(pdu).Where(byId.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
            waitingOn[pdu.EventId] = inBatch.Count;
            foreach (var authId in inBatch)
            {
                if (!dependents.TryGetValue(authId, out var list)) dependents[authId] = list = [];
                list.Add(pdu.EventId);
            }
        }

        var ready = new PriorityQueue<Pdu, (long, string)>();
        foreach (var pdu in byId.Values.Where(p => waitingOn[p.EventId] == 0)) ready.Enqueue(pdu, (pdu.Depth, pdu.EventId));
        var ordered = new List<Pdu>(byId.Count);
        while (ready.TryDequeue(out var next, out _))
        {
            ordered.Add(next);
            foreach (var dependent in dependents.GetValueOrDefault(next.EventId) ?? [])
            {
                if (--waitingOn[dependent] == 0) ready.Enqueue(byId[dependent], (byId[dependent].Depth, dependent));
            }
        }

        return ordered;
    }
}
