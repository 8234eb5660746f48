using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// Gets the events an event cites that we lack (tuwunel's fetch_auth): an event's auth chain with /event_auth,
/// and events by ID with /event, following the auth events those cite, wave by wave. Everything fetched is checked
/// like a received PDU and stored as an outlier; the shared <see cref="IngestContext"/> budget bounds it all.
/// </summary>
public sealed class AuthEventFetcher(
    RoomEventRequests requests, ReceivedPduChecks checks, OutlierPersister outliers, IDbContextFactory<HomeserverDbContext> dbs, ILogger<AuthEventFetcher> logger)
{
    /// <summary>Requests in flight at once when fetching events one by one.</summary>
    private const int Parallelism = 5;

    /// <summary>True when every auth event of <paramref name="pdu"/> is stored, fetching them from the origin if needed.</summary>
    public async Task<bool> EnsureAuthEventsAsync(IngestContext context, Pdu pdu, CancellationToken cancellationToken)
    {
        var missing = await MissingAsync(AuthEventReferences.Of(pdu), cancellationToken);
        if (missing.Count == 0) return true;

        try
        {
            var chain = await requests.GetEventAuthAsync(context.Origin, context.RoomId, pdu.EventId, context.Remaining, cancellationToken);
            if (context.TryTake(chain.Count))
            {
                var valid = await CheckAllAsync(context, chain, cancellationToken);
                await outliers.PersistAsync([.. valid.Where(p => p.EventId != pdu.EventId)], cancellationToken);
            }
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not get the auth chain of {EventId} from {Origin}: {Reason}", pdu.EventId, context.Origin, e.Message);
        }

        missing = await MissingAsync(missing, cancellationToken);
        if (missing.Count == 0) return true;
        await FetchAsync(context, missing, cancellationToken);
        return (await MissingAsync(missing, cancellationToken)).Count == 0;
    }

    /// <summary>
    /// Fetches events by ID (GET /event), then the auth events they cite that we lack, and stores them all as
    /// outliers. Events the origin does not give, or that fail the checks, are skipped.
    /// </summary>
    public async Task FetchAsync(IngestContext context, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var fetched = new Dictionary<string, Pdu>(StringComparer.Ordinal);
        var asked = new HashSet<string>(eventIds, StringComparer.Ordinal);
        var wave = eventIds.ToList();
        while (wave.Count > 0 && context.TryTake(wave.Count))
        {
            var results = new Pdu?[wave.Count];
            await Parallel.ForAsync(0, wave.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (i, ct) => results[i] = await FetchOneAsync(context, wave[i], ct));
            foreach (var pdu in results.OfType<Pdu>()) fetched[pdu.EventId] = pdu;

            var cited = results.OfType<Pdu>().SelectMany(AuthEventReferences.Of).Where(id => asked.Add(id)).ToList();
            wave = await MissingAsync(cited, cancellationToken);
        }

        await outliers.PersistAsync(fetched.Values, cancellationToken);
    }

    private async Task<Pdu?> FetchOneAsync(IngestContext context, string eventId, CancellationToken cancellationToken)
    {
        try
        {
            var json = await requests.GetEventAsync(context.Origin, eventId, cancellationToken);
            if (json is null) return null;
            var result = await checks.CheckAsync(json, context.Version, context.RoomId, enforceReferenceLimits: false, cancellationToken);
            // A server answering with another event than the one asked for is not to be trusted with it.
            return result.Pdu is { } pdu && pdu.EventId == eventId ? pdu : null;
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not fetch {EventId} from {Origin}: {Reason}", eventId, context.Origin, e.Message);
            return null;
        }
    }

    /// <summary>The PDUs among <paramref name="json"/> that pass the checks (history and auth chains: no reference limits).</summary>
    public async Task<List<Pdu>> CheckAllAsync(IngestContext context, IEnumerable<System.Text.Json.Nodes.JsonObject> json, CancellationToken cancellationToken)
    {
        var valid = new List<Pdu>();
        foreach (var item in json)
        {
            var result = await checks.CheckAsync(item, context.Version, context.RoomId, enforceReferenceLimits: false, cancellationToken);
            if (result.Pdu is { } pdu) valid.Add(pdu);
        }

        return valid;
    }

    private async Task<List<string>> MissingAsync(IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        var ids = eventIds.Distinct(StringComparer.Ordinal).ToList();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var stored = await KnownEvents.StoredAsync(db, ids, cancellationToken);
        return [.. ids.Where(id => !stored.Contains(id))];
    }
}
