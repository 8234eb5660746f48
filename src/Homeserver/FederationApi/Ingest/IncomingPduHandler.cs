using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Policy;
using Matrix.Federation.Rooms;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Events.Pipeline;
using Matrix.Homeserver.Events.Policy;
using Matrix.Homeserver.Rooms;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// Takes a checked PDU into a room's timeline: its auth events first (<see cref="AuthEventFetcher"/>), then its
/// prev events (<see cref="PrevEventFetcher"/> for a pushed PDU, which is dropped if they cannot all be had), then,
/// for a pulled PDU whose gap remains, the state before it (<see cref="StateAtIncoming"/>), and finally the
/// writer's auth checks and persistence. One room is ingested by one caller at a time (its own lock, not the
/// writer's), so two servers pushing into the same gap do not fetch it twice.
/// </summary>
public sealed class IncomingPduHandler(
    AuthEventFetcher authEvents, PrevEventFetcher prevEvents, StateAtIncoming stateAt, RoomEventWriter writer,
    IDbContextFactory<HomeserverDbContext> dbs, HomeserverOptions options, RoomPolicyServers policyServers, ILogger<IncomingPduHandler> logger)
{
    private static readonly IReadOnlyDictionary<StateKey, string> EmptyState = new Dictionary<StateKey, string>();
    private readonly RoomLocks _ingestLocks = new();

    public IngestContext NewContext(string origin, string roomId, RoomVersion version) =>
        new(origin, roomId, version, options.FederationEvents.MaxFetchedEvents);

    /// <summary>A PDU pushed to us in a transaction. Throws <see cref="IngestException"/> when it must be dropped.</summary>
    public async Task<IncomingResult> HandlePushedAsync(string origin, Pdu pdu, CancellationToken cancellationToken)
    {
        using var roomLock = await _ingestLocks.AcquireAsync(pdu.RoomId, cancellationToken);
        var context = NewContext(origin, pdu.RoomId, pdu.Version);
        var (inTimeline, missing) = await PrepareAsync(context, pdu, cancellationToken);
        if (inTimeline) return new IncomingResult(pdu.EventId, IncomingOutcome.AlreadyKnown);
        if (missing.Count > 0 && await MinDepthAsync(pdu.RoomId, cancellationToken) is { } minDepth && pdu.Depth > minDepth)
        {
            var fetched = await prevEvents.FetchAsync(context, pdu, minDepth, cancellationToken);
            logger.LogInformation("Got {Count} of the events missing before {EventId} from {Origin}", fetched.Count, pdu.EventId, origin);
            await PersistPulledAsync(context, fetched, null, cancellationToken);
            missing = await MissingPrevsAsync(pdu, cancellationToken);
        }

        // As Synapse: a pushed event whose sender will not give what comes before it is dropped, not taken in with the
        // state that server claims for the gap (it could then become the room's only forward extremity, its claimed
        // state trusted for the whole room). Events pulled through /get_missing_events may have their gap's state asked,
        // and so may prev events we hold but rejected (no gap: the state at them is what their own prevs left).
        if (missing.Count > 0 && await UnheldAsync(missing, cancellationToken) is > 0 and var unheld)
        {
            throw new IngestException($"{unheld} prev events could not be had from {origin}");
        }

        return await PersistAsync(context, pdu, missing, null, cancellationToken);
    }

    /// <summary>
    /// Events pulled from a server (backfill), oldest first: a gap before one is filled with the state at its prev
    /// events. Backfilled events take the positions from <paramref name="firstBackfillPosition"/> upwards. Events
    /// that cannot be taken in are skipped; the results say what happened to the others.
    /// </summary>
    public async Task<List<IncomingResult>> HandlePulledAsync(IngestContext context, IReadOnlyList<Pdu> pdus, long? firstBackfillPosition,
        CancellationToken cancellationToken)
    {
        using var roomLock = await _ingestLocks.AcquireAsync(context.RoomId, cancellationToken);
        return await PersistPulledAsync(context, pdus, firstBackfillPosition, cancellationToken);
    }

    private async Task<List<IncomingResult>> PersistPulledAsync(IngestContext context, IReadOnlyList<Pdu> pdus, long? firstBackfillPosition,
        CancellationToken cancellationToken)
    {
        var results = new List<IncomingResult>(pdus.Count);
        for (var i = 0; i < pdus.Count; i++)
        {
            var pdu = pdus[i];
            try
            {
                var (inTimeline, missing) = await PrepareAsync(context, pdu, cancellationToken);
                if (inTimeline) continue;
                results.Add(await PersistAsync(context, pdu, missing, firstBackfillPosition + i, cancellationToken));
            }
            catch (IngestException e)
            {
                logger.LogInformation("Skipped pulled event {EventId}: {Reason}", pdu.EventId, e.Message);
            }
        }

        return results;
    }

    private async Task<IncomingResult> PersistAsync(IngestContext context, Pdu pdu, List<string> missingPrevs, long? backfillPosition,
        CancellationToken cancellationToken)
    {
        // Nothing comes before the room's first event (its create event, backfilled last): the state before it is empty.
        var stateBefore = pdu.PrevEvents.Count == 0 ? EmptyState
            : missingPrevs.Count == 0 ? null
            : await stateAt.ComputeAsync(context, pdu, missingPrevs, cancellationToken) ?? throw new IngestException("the state before the event could not be had");
        PolicyServer? policyServer = null;
        if (backfillPosition is null)
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            (pdu, policyServer) = await policyServers.PrepareReceivedAsync(db, pdu, cancellationToken);
        }

        var incoming = new IncomingEvent(pdu)
        {
            StateBefore = stateBefore, Backfilled = backfillPosition is not null, BackfillPosition = backfillPosition, PolicyServer = policyServer,
        };
        return await writer.PersistRemoteAsync(incoming, cancellationToken);
    }

    /// <summary>How many of the events we hold no row of at all (rejected events and outliers have one).</summary>
    private async Task<int> UnheldAsync(List<string> eventIds, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return eventIds.Count - (await KnownEvents.StoredAsync(db, eventIds, cancellationToken)).Count;
    }

    private async Task<List<string>> MissingPrevsAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var present = await KnownEvents.InTimelineAsync(db, pdu.PrevEvents, cancellationToken);
        return [.. pdu.PrevEvents.Distinct(StringComparer.Ordinal).Where(id => !present.Contains(id))];
    }

    /// <summary>
    /// Whether the event is in our timeline already; if not, its auth events are made sure of (else it is dropped)
    /// and the prev events not in our timeline are returned. The common case, everything known, is one query.
    /// </summary>
    private async Task<(bool InTimeline, List<string> MissingPrevs)> PrepareAsync(IngestContext context, Pdu pdu, CancellationToken cancellationToken)
    {
        Dictionary<string, bool> known;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            known = await KnownEvents.InTimelineByIdAsync(db, AuthEventReferences.Of(pdu).Concat(pdu.PrevEvents).Append(pdu.EventId), cancellationToken);
        }

        if (known.GetValueOrDefault(pdu.EventId)) return (true, []);
        // Auth events come as outliers: fetching them leaves the timeline, and so the missing prev events, as they were.
        if (AuthEventReferences.Of(pdu).Any(id => !known.ContainsKey(id)) && !await authEvents.EnsureAuthEventsAsync(context, pdu, cancellationToken))
        {
            throw new IngestException("auth events could not be found");
        }

        return (false, [.. pdu.PrevEvents.Distinct(StringComparer.Ordinal).Where(id => !known.GetValueOrDefault(id))]);
    }

    /// <summary>The depth of the oldest event of the room's timeline: history below it is backfill's business, not the push path's.</summary>
    private async Task<long?> MinDepthAsync(string roomId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Events.AsNoTracking().Where(e => e.RoomId == roomId && !e.Outlier).MinAsync(e => (long?)e.Depth, cancellationToken);
    }
}
