using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Federation.Transport.Client;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Ingest;

/// <summary>
/// The state before an event whose prev events are not all in our timeline (tuwunel's state_at_incoming, Synapse's
/// _compute_event_context_with_maybe_missing_prevs): the origin tells us the state at each missing prev event
/// (/state_ids, fetching the events we lack with /event, or with /state when we lack most of them), and those
/// states are resolved with the state after the prev events we have (a prev event we rejected counts with the state we
/// computed at it, as Synapse keeps it: no server is asked). Safe because the event then joins the room
/// as a fork: the writer resolves it against the current state rather than trusting it alone.
/// </summary>
public sealed class StateAtIncoming(
    RoomEventRequests requests, AuthEventFetcher fetcher, OutlierPersister outliers, StateGroupStore stateGroups, EventStore events,
    StateResolver resolver, IDbContextFactory<HomeserverDbContext> dbs, ILogger<StateAtIncoming> logger)
{
    /// <summary>The state before <paramref name="pdu"/>; null when the origin could not give the state at a missing prev event.</summary>
    public async Task<IReadOnlyDictionary<StateKey, string>?> ComputeAsync(IngestContext context, Pdu pdu, IReadOnlyCollection<string> missingPrevs,
        CancellationToken cancellationToken)
    {
        var states = new List<IReadOnlyDictionary<StateKey, string>>();
        List<string> rejectedWithState;
        await using (var before = await dbs.CreateDbContextAsync(cancellationToken))
        {
            // Prev events we rejected after computing the state at them (as Synapse keeps it) need no server's word.
            rejectedWithState = await before.Events.AsNoTracking()
                .Where(e => missingPrevs.Contains(e.EventId) && e.RejectedReason != null && e.StateGroup != null)
                .Select(e => e.EventId).ToListAsync(cancellationToken);
        }

        foreach (var prev in missingPrevs.Except(rejectedWithState, StringComparer.Ordinal))
        {
            var state = await StateAfterRemoteEventAsync(context, prev, cancellationToken);
            if (state is null) return null;
            states.Add(state);
        }

        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var known = pdu.PrevEvents.Except(missingPrevs, StringComparer.Ordinal).Concat(rejectedWithState).ToList();
        var groups = await db.Events.AsNoTracking()
            .Where(e => known.Contains(e.EventId) && (!e.Outlier || e.RejectedReason != null) && e.StateGroup != null)
            .Select(e => e.StateGroup!.Value).Distinct().ToListAsync(cancellationToken);
        foreach (var group in groups) states.Add(await stateGroups.LoadAsync(db, group, cancellationToken));

        if (states.Count == 1) return states[0];
        try
        {
            return await resolver.ResolveAsync(context.Version, context.RoomId, states, new DbStateEventProvider(db, events), null, cancellationToken);
        }
        catch (StateResolutionException e)
        {
            logger.LogWarning("Could not resolve the state before {EventId}: {Reason}", pdu.EventId, e.Message);
            return null;
        }
    }

    /// <summary>The state after a prev event we lack, as its origin sees it, with every event of it stored here.</summary>
    private async Task<Dictionary<StateKey, string>?> StateAfterRemoteEventAsync(IngestContext context, string eventId, CancellationToken cancellationToken)
    {
        List<string> stateIds, authIds;
        try
        {
            (stateIds, authIds) = await requests.GetStateIdsAsync(context.Origin, context.RoomId, eventId, context.Remaining, cancellationToken);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not get the state at {EventId} from {Origin}: {Reason}", eventId, context.Origin, e.Message);
            return null;
        }

        var wanted = stateIds.Append(eventId).Concat(authIds).ToHashSet(StringComparer.Ordinal);
        List<string> missing;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var stored = await KnownEvents.StoredAsync(db, wanted, cancellationToken);
            missing = [.. wanted.Where(id => !stored.Contains(id))];
        }

        // Synapse's heuristic: lacking a tenth or more of it, one /state answer is cheaper than an /event per event.
        if (missing.Count * 10 >= stateIds.Count + authIds.Count && missing.Count > 1)
        {
            await FetchWholeStateAsync(context, eventId, cancellationToken);
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            var stored = await KnownEvents.StoredAsync(db, missing, cancellationToken);
            missing = [.. missing.Where(id => !stored.Contains(id))];
        }

        if (missing.Count > 0) await fetcher.FetchAsync(context, missing, cancellationToken);
        return await StateMapAsync(context, eventId, stateIds, cancellationToken);
    }

    private async Task FetchWholeStateAsync(IngestContext context, string eventId, CancellationToken cancellationToken)
    {
        try
        {
            var (state, chain) = await requests.GetStateAsync(context.Origin, context.RoomId, eventId, context.Remaining, cancellationToken);
            if (!context.TryTake(state.Count + chain.Count)) return;
            await outliers.PersistAsync(await fetcher.CheckAllAsync(context, chain.Concat(state), cancellationToken), cancellationToken);
        }
        catch (FederationException e)
        {
            logger.LogInformation("Could not get the state at {EventId} from {Origin}: {Reason}", eventId, context.Origin, e.Message);
        }
    }

    /// <summary>The (type, state key) map of the stored state events, plus the prev event itself when it is an accepted state event.</summary>
    private async Task<Dictionary<StateKey, string>?> StateMapAsync(IngestContext context, string eventId, List<string> stateIds, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var prev = await db.Events.AsNoTracking().Where(e => e.EventId == eventId)
            .Select(e => new { e.RoomId, e.Type, e.StateKey, e.RejectedReason }).FirstOrDefaultAsync(cancellationToken);
        if (prev is null || prev.RoomId != context.RoomId)
        {
            logger.LogInformation("Could not get the missing prev event {EventId} from {Origin}", eventId, context.Origin);
            return null;
        }

        var map = new Dictionary<StateKey, string>();
        foreach (var batch in stateIds.Chunk(500))
        {
            var rows = await db.Events.AsNoTracking().Where(e => batch.Contains(e.EventId) && e.RoomId == context.RoomId && e.StateKey != null)
                .Select(e => new { e.EventId, e.Type, e.StateKey }).ToListAsync(cancellationToken);
            foreach (var row in rows) map[new StateKey(row.Type, row.StateKey!)] = row.EventId;
        }

        var lost = stateIds.Count - map.Count;
        if (lost > 0) logger.LogWarning("{Count} state events at {EventId} could not be had from {Origin}", lost, eventId, context.Origin);
        if (prev.StateKey is not null && prev.RejectedReason is null) map[new StateKey(prev.Type, prev.StateKey)] = eventId;
        return map;
    }
}
