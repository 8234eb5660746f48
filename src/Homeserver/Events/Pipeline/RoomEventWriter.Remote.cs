using System.Collections.Immutable;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.Rooms;
using Matrix.Federation.StateResolution;
using Matrix.Homeserver.Events.Storage;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The remote half of the one path (spec: "Checks performed on receipt of a PDU", steps 4–6): the
/// caller has checked format, hashes and signatures; here the event is authorized against its auth
/// events, then against the state before it (rejected if either fails), then against the current
/// state (soft-failed if that fails), persisted, and the room's current state re-resolved.
/// </summary>
public sealed partial class RoomEventWriter
{
    private readonly Lock _backfillGate = new();
    private long _lowestBackfillPosition;

    /// <summary>Registers a room we are joining over federation, before its events arrive.</summary>
    public async Task EnsureRoomAsync(string roomId, RoomVersion version, CancellationToken cancellationToken)
    {
        events.RememberRoomVersion(roomId, version);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        using var roomLock = await locks.AcquireAsync(roomId, cancellationToken);
        heads.Forget(roomId);
        if (await db.Rooms.AnyAsync(r => r.RoomId == roomId, cancellationToken)) return;
        db.Rooms.Add(new Room { RoomId = roomId, RoomVersion = version.Id, CreatedTs = Now() });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Persists one remote event of a known room. Events of a batch should come oldest first.</summary>
    public async Task<IncomingResult> PersistRemoteAsync(IncomingEvent incoming, CancellationToken cancellationToken)
    {
        var pdu = incoming.Pdu;
        using var roomLock = await locks.AcquireAsync(pdu.RoomId, cancellationToken);
        // Without savepoints: nothing here goes on with a transaction after a failed save (each was two round trips).
        await using var db = await OpenWriteContextAsync(cancellationToken);

        var existing = await db.Events.AsNoTracking().Where(e => e.EventId == pdu.EventId)
            .Select(e => new { e.Outlier, e.RejectedReason }).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null && (!existing.Outlier || incoming.Outlier || existing.RejectedReason is not null))
        {
            return new IncomingResult(pdu.EventId, existing.RejectedReason is null ? IncomingOutcome.AlreadyKnown : IncomingOutcome.Rejected, existing.RejectedReason);
        }

        var linearCandidate = existing is null && OnPostgres && !incoming.Outlier && !incoming.Backfilled && incoming.StateBefore is null
            && incoming.PolicyServer is null && pdu.Type is not (EventTypes.Redaction or EventTypes.Create);
        if (linearCandidate && await TryPersistLinearAsync(db, incoming, cancellationToken) is { } linear) return linear;
        // Everything below writes the room's events and rows its own way: the next local send reads the room anew.
        heads.Forget(pdu.RoomId);

        var room = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.RoomId == pdu.RoomId, cancellationToken)
            ?? throw new InvalidOperationException($"room {pdu.RoomId} is not registered");
        if (room.RoomVersion != pdu.Version.Id) return await RejectAsync(db, pdu, "the event is of another room version", cancellationToken);

        // Step 4: the event's own auth events.
        var authIds = AuthEventReferences.Of(pdu);
        var authEvents = await events.GetManyAsync(db, authIds, cancellationToken);
        var provider = new DbStateEventProvider(db, events);
        var rejectedAuth = await provider.GetRejectedAsync([.. authEvents.Keys], cancellationToken);
        var byAuthEvents = authorizer.AuthorizeByAuthEvents(pdu, [.. authEvents.Values], rejectedAuth.Contains);
        if (!byAuthEvents.IsAllowed)
        {
            // Kept with the state before it when that is known (an outlier has none), as the events of step 5.
            ImmutableDictionary<StateKey, string>? known = null;
            try
            {
                if (!incoming.Outlier) known = incoming.StateBefore?.ToImmutableDictionary() ?? await StateFromPrevEventsAsync(db, pdu, provider, cancellationToken);
            }
            catch (StateResolutionException e)
            {
                logger.LogInformation("The state before the rejected {EventId} could not be resolved: {Reason}", pdu.EventId, e.Message);
            }

            return await RejectAsync(db, pdu, byAuthEvents.RejectionReason!, cancellationToken, known);
        }

        if (incoming.Outlier)
        {
            await using var outlierTransaction = await db.Database.BeginTransactionAsync(cancellationToken);
            EventRows.AddEdges(db, await InsertOrReuseAsync(db, pdu, null, outlier: true, softFailed: false, stored: existing is not null, cancellationToken), pdu);
            await db.SaveChangesAsync(cancellationToken);
            await outlierTransaction.CommitAsync(cancellationToken);
            events.Remember(pdu);
            return new IncomingResult(pdu.EventId, IncomingOutcome.Accepted);
        }

        // Step 5: the state before the event. Unknown (prev events missing), the event is refused but not kept: it may be
        // taken in later, once they are had.
        var stateBefore = incoming.StateBefore?.ToImmutableDictionary() ?? await StateFromPrevEventsAsync(db, pdu, provider, cancellationToken);
        if (stateBefore is null)
        {
            logger.LogInformation("Refused {EventId} in {RoomId}: the state before it is unknown (missing prev events)", pdu.EventId, pdu.RoomId);
            return new IncomingResult(pdu.EventId, IncomingOutcome.Rejected, "the state before the event is unknown (missing prev events)");
        }

        var byStateBefore = authorizer.Authorize(pdu, await AuthStateAsync(db, pdu, stateBefore, cancellationToken));
        if (!byStateBefore.IsAllowed) return await RejectAsync(db, pdu, byStateBefore.RejectionReason!, cancellationToken, stateBefore);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Step 6: the room's current state decides soft failure (backfilled history is not judged by today's state).
        var currentState = room.CurrentStateGroup is { } currentGroup
            ? await stateGroups.LoadAsync(db, currentGroup, cancellationToken)
            : ImmutableDictionary<StateKey, string>.Empty;
        var softFailed = !incoming.Backfilled && currentState.Count > 0
            && !authorizer.Authorize(pdu, await AuthStateAsync(db, pdu, currentState, cancellationToken)).IsAllowed;
        // Step 7: in a room with a Policy Server, an event it did not sign is not recommended for inclusion.
        if (!softFailed && incoming.PolicyServer is { } policyServer && !Matrix.Federation.Policy.PolicyServer.IsExempt(pdu) && !policyServer.HasSigned(pdu))
        {
            logger.LogInformation("Soft failed {EventId} in {RoomId}: no valid signature of the Policy Server {Server}", pdu.EventId, pdu.RoomId,
                policyServer.ServerName);
            softFailed = true;
        }

        using var position = incoming.Backfilled ? null : streams.Next();
        if (position is not null) changes.RoomEvents.Mark(pdu.RoomId, position.Position);
        var streamOrdering = position?.Position ?? incoming.BackfillPosition ?? await ReserveBackfillPositionsAsync(db, 1, cancellationToken);
        var row = await InsertOrReuseAsync(db, pdu, streamOrdering, outlier: false, softFailed, stored: existing is not null, cancellationToken);
        EventRows.AddEdges(db, row, pdu);

        var stateAfter = stateBefore;
        var newGroups = new List<(long, ImmutableDictionary<StateKey, string>)>();
        var beforeGroup = await StateGroupOfAsync(db, pdu, stateBefore, newGroups, cancellationToken);
        row.StateGroup = beforeGroup;
        if (pdu.IsState)
        {
            row.ReplacesState = stateBefore.GetValueOrDefault(pdu.StateTuple);
            stateAfter = stateBefore.SetItem(pdu.StateTuple, pdu.EventId);
            row.StateGroup = (await stateGroups.SaveAsync(db, pdu.RoomId, beforeGroup, stateBefore, stateAfter, cancellationToken)).Id;
            newGroups.Add((row.StateGroup.Value, stateAfter));
        }

        if (pdu.Type == EventTypes.Redaction && pdu.Redacts is { } target) await ApplyRedactionAsync(db, stateAfter, pdu, target, cancellationToken);
        await ApplyPendingRedactionAsync(db, row, stateAfter, cancellationToken);
        // Soft-failed events are never served to clients, so they are neither related nor searchable.
        if (!softFailed && row.RedactedBy is null) EventIndexes.Add(db, pdu, streamOrdering);
        await db.SaveChangesAsync(cancellationToken);

        if (!softFailed && !incoming.Backfilled)
        {
            var extremities = await db.ForwardExtremities.AsNoTracking().Where(f => f.RoomId == pdu.RoomId).Select(f => f.EventId).ToListAsync(cancellationToken);
            await EventRows.UpdateForwardExtremitiesAsync(db, pdu, cancellationToken);
            // A linear extension of the room replaces the current state; a fork is resolved against it.
            var newCurrent = extremities.All(pdu.PrevEvents.Contains)
                ? stateAfter
                : (await resolver.ResolveAsync(pdu.Version, pdu.RoomId, [currentState, stateAfter], provider, null, cancellationToken)).ToImmutableDictionary();
            var currentGroupId = newCurrent == stateAfter ? row.StateGroup!.Value
                : (await stateGroups.SaveAsync(db, pdu.RoomId, room.CurrentStateGroup, currentState, newCurrent, cancellationToken)).Id;
            if (newCurrent != stateAfter) newGroups.Add((currentGroupId, newCurrent));
            await ApplyCurrentStateDeltaAsync(db, pdu.RoomId, currentState, newCurrent, streamOrdering, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await db.Rooms.Where(r => r.RoomId == pdu.RoomId).ExecuteUpdateAsync(s => s.SetProperty(r => r.CurrentStateGroup, currentGroupId), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        position?.Dispose();
        foreach (var (id, state) in newGroups) stateGroups.Remember(id, state);
        events.Remember(pdu);

        if (!softFailed)
        {
            var persisted = new PersistedEvent(pdu, streamOrdering);
            if (incoming.Backfilled) return new IncomingResult(pdu.EventId, IncomingOutcome.Accepted);
            await NotifyAsync(db, pdu.RoomId, [persisted], local: incoming.BuiltHere, cancellationToken);
        }

        return new IncomingResult(pdu.EventId, softFailed ? IncomingOutcome.SoftFailed : IncomingOutcome.Accepted);
    }

    /// <summary>
    /// The common case of a pushed event (a message or a state event; no redaction, no Policy Server) that extends the
    /// room's only forward extremity: the state before it is the room's current state, so it passes the checks against its
    /// auth events, that state and the current state (steps 4–6) at once, with no state resolution, and it is written as a
    /// local event is (<see cref="LocalEventRows"/>: one round trip, a message's notifications in it) on the room's head.
    /// Null when the event is not such a case or a check refuses it: the general way then judges it (and keeps it as
    /// rejected). The room's head is taken out either way, and put back only by this write.
    /// </summary>
    private async Task<IncomingResult?> TryPersistLinearAsync(HomeserverDbContext db, IncomingEvent incoming, CancellationToken cancellationToken)
    {
        var pdu = incoming.Pdu;
        var session = await OpenSessionAsync(db, pdu.RoomId, cancellationToken);
        if (session.Version.Id != pdu.Version.Id || session.StateGroup is not { } currentGroup || session.Extremities.Count != 1
            || pdu.PrevEvents.Count == 0 || pdu.PrevEvents.Any(p => p != session.Extremities[0]))
        {
            return null;
        }

        // The current state is the state after the extremity (a fork resolved into it would differ), and no redaction that
        // arrived before the event waits for it (the general way applies it).
        var prevId = session.Extremities[0];
        var prev = await db.Events.AsNoTracking().Where(e => e.EventId == prevId)
            .Select(e => new
            {
                e.StateGroup,
                RedactionWaiting = db.Events.Any(r => r.RoomId == pdu.RoomId && r.Redacts == pdu.EventId && r.RejectedReason == null),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (prev is null || prev.StateGroup != currentGroup || prev.RedactionWaiting) return null;

        // Auth events that are the current state's own are accepted events: none rejected, no query to ask.
        var authIds = AuthEventReferences.Of(pdu);
        var authEvents = await events.GetManyAsync(db, authIds, cancellationToken);
        if (authEvents.Count != authIds.Distinct().Count()
            || authEvents.Values.Any(a => !a.IsState || session.State.GetValueOrDefault(a.StateTuple) != a.EventId)
            || !authorizer.AuthorizeByAuthEvents(pdu, [.. authEvents.Values], _ => false).IsAllowed
            || !authorizer.Authorize(pdu, await AuthStateAsync(db, pdu, session.State, cancellationToken)).IsAllowed)
        {
            return null;
        }

        List<PersistedEvent> persisted;
        try
        {
            // Added to the session's batch as a local event is (no redaction, on PostgreSQL: its state change goes in the
            // batch too); its stream position is released whatever happens, as the local batch's are.
            await PersistLocalAsync(db, session, pdu, transaction: null, cancellationToken);
            persisted = await CommitAsync(db, session, cancellationToken);
        }
        finally
        {
            ReleasePositions(session);
        }

        await NotifyAsync(db, pdu.RoomId, persisted, local: incoming.BuiltHere, cancellationToken);
        return new IncomingResult(pdu.EventId, IncomingOutcome.Accepted);
    }

    /// <summary>The state after the prev events: one prev's state, or the resolution of several. Null when a prev is missing.</summary>
    private async Task<ImmutableDictionary<StateKey, string>?> StateFromPrevEventsAsync(HomeserverDbContext db, Pdu pdu, DbStateEventProvider provider, CancellationToken cancellationToken)
    {
        var prevs = pdu.PrevEvents.Distinct().ToList();
        // A rejected prev event counts with the state at it (it changed nothing).
        var groups = await db.Events.AsNoTracking()
            .Where(e => prevs.Contains(e.EventId) && (!e.Outlier || e.RejectedReason != null) && e.StateGroup != null)
            .Select(e => e.StateGroup!.Value).ToListAsync(cancellationToken);
        if (groups.Count != prevs.Count || groups.Count == 0) return null;
        var states = new List<ImmutableDictionary<StateKey, string>>();
        foreach (var group in groups.Distinct()) states.Add(await stateGroups.LoadAsync(db, group, cancellationToken));
        if (states.Count == 1) return states[0];
        return (await resolver.ResolveAsync(pdu.Version, pdu.RoomId, states, provider, null, cancellationToken)).ToImmutableDictionary();
    }

    /// <summary>The state group holding exactly <paramref name="state"/>: a prev event's when it matches, else a new one.</summary>
    private async Task<long> StateGroupOfAsync(HomeserverDbContext db, Pdu pdu, ImmutableDictionary<StateKey, string> state,
        List<(long, ImmutableDictionary<StateKey, string>)> newGroups, CancellationToken cancellationToken)
    {
        var prevs = pdu.PrevEvents.ToList();
        var prevGroups = await db.Events.AsNoTracking().Where(e => prevs.Contains(e.EventId) && e.StateGroup != null)
            .Select(e => e.StateGroup!.Value).Distinct().ToListAsync(cancellationToken);
        ImmutableDictionary<StateKey, string>? parentState = null;
        long? parent = null;
        foreach (var group in prevGroups)
        {
            var candidate = await stateGroups.LoadAsync(db, group, cancellationToken);
            if (candidate.Count == state.Count && candidate.All(kv => state.TryGetValue(kv.Key, out var v) && v == kv.Value)) return group;
            parent ??= group;
            parentState ??= candidate;
        }

        var id = (await stateGroups.SaveAsync(db, pdu.RoomId, parent, parentState, state, cancellationToken)).Id;
        newGroups.Add((id, state));
        return id;
    }

    /// <summary>The few state events the rules read for this event, from a full state map.</summary>
    private async Task<Dictionary<StateKey, Pdu>> AuthStateAsync(HomeserverDbContext db, Pdu pdu, IReadOnlyDictionary<StateKey, string> state, CancellationToken cancellationToken)
    {
        var keys = AuthEventSelection.Select(pdu).Append(CreateKey).Distinct();
        var ids = keys.Select(k => state.GetValueOrDefault(k)).OfType<string>().ToList();
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        return pdus.Values.Where(p => p.IsState).ToDictionary(p => p.StateTuple);
    }

    /// <summary>Rewrites current_state and room_memberships for every key whose event changed.</summary>
    private async Task ApplyCurrentStateDeltaAsync(HomeserverDbContext db, string roomId, ImmutableDictionary<StateKey, string> oldState,
        ImmutableDictionary<StateKey, string> newState, long streamOrdering, CancellationToken cancellationToken)
    {
        var changed = newState.Where(kv => !oldState.TryGetValue(kv.Key, out var old) || old != kv.Value).ToList();
        var ids = changed.Select(kv => kv.Value).ToList();
        var nids = await db.Events.AsNoTracking().Where(e => ids.Contains(e.EventId)).ToDictionaryAsync(e => e.EventId, e => e.Nid, cancellationToken);
        var pdus = await events.GetManyAsync(db, ids, cancellationToken);
        foreach (var (_, eventId) in changed)
        {
            await EventRows.SetCurrentStateAsync(db, changes, pdus[eventId], nids[eventId], streamOrdering, cancellationToken);
        }

        foreach (var removed in oldState.Keys.Where(k => !newState.ContainsKey(k)))
        {
            await db.CurrentState.Where(c => c.RoomId == roomId && c.Type == removed.Type && c.StateKey == removed.Key).ExecuteDeleteAsync(cancellationToken);
        }
    }

    /// <summary>A redaction that arrived before its target applies once the target is stored.</summary>
    private async Task ApplyPendingRedactionAsync(HomeserverDbContext db, Event row, ImmutableDictionary<StateKey, string> state, CancellationToken cancellationToken)
    {
        if (row.RedactedBy is not null) return;
        var pending = await db.Events.AsNoTracking()
            .Where(e => e.RoomId == row.RoomId && e.Redacts == row.EventId && e.RejectedReason == null)
            .Select(e => e.EventId).ToListAsync(cancellationToken);
        foreach (var redaction in (await events.GetManyAsync(db, pending, cancellationToken)).Values)
        {
            if (await MayRedactAsync(db, redaction, row.Sender, state, cancellationToken))
            {
                row.RedactedBy = redaction.EventId;
                return;
            }
        }
    }

    /// <param name="stored">Whether the event's row was there when the room's lock was taken (only then is it read).</param>
    private static async Task<Event> InsertOrReuseAsync(HomeserverDbContext db, Pdu pdu, long? streamOrdering, bool outlier, bool softFailed, bool stored,
        CancellationToken cancellationToken)
    {
        // An event first stored as an outlier joins the timeline when it arrives as part of it.
        var row = stored ? await db.Events.FirstOrDefaultAsync(e => e.EventId == pdu.EventId, cancellationToken) : null;
        if (row is null)
        {
            row = EventRows.Insert(db, pdu, streamOrdering, outlier, rejectedReason: null, softFailed);
            await db.SaveChangesAsync(cancellationToken);
            return row;
        }

        await db.EventEdges.Where(e => e.EventNid == row.Nid).ExecuteDeleteAsync(cancellationToken);
        await db.EventAuthEdges.Where(e => e.EventNid == row.Nid).ExecuteDeleteAsync(cancellationToken);
        row.Outlier = outlier;
        row.StreamOrdering = streamOrdering;
        row.SoftFailed = softFailed;
        return row;
    }

    /// <summary>
    /// Keeps the event as rejected, so that it is not fetched and judged again and events citing it as an auth event are
    /// rejected too (as an outlier: never in the timeline). With <paramref name="stateBefore"/> known, that state is kept
    /// with it, being the state after it too (a rejected event changes nothing): an event citing it as a prev event starts
    /// from there, as in Synapse, instead of asking a server for the state at it.
    /// </summary>
    private async Task<IncomingResult> RejectAsync(HomeserverDbContext db, Pdu pdu, string reason, CancellationToken cancellationToken,
        ImmutableDictionary<StateKey, string>? stateBefore = null)
    {
        logger.LogInformation("Rejected {EventId} in {RoomId}: {Reason}", pdu.EventId, pdu.RoomId, reason);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var groups = new List<(long, ImmutableDictionary<StateKey, string>)>();
        long? stateGroup = stateBefore is null ? null : await StateGroupOfAsync(db, pdu, stateBefore, groups, cancellationToken);
        if (!await db.Events.AnyAsync(e => e.EventId == pdu.EventId, cancellationToken))
        {
            EventRows.Insert(db, pdu, null, outlier: true, rejectedReason: reason, softFailed: false).StateGroup = stateGroup;
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            await db.Events.Where(e => e.EventId == pdu.EventId)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.RejectedReason, reason).SetProperty(e => e.StateGroup, e => stateGroup ?? e.StateGroup), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var (id, state) in groups) stateGroups.Remember(id, state);
        return new IncomingResult(pdu.EventId, IncomingOutcome.Rejected, reason);
    }

    /// <summary>
    /// Reserves <paramref name="count"/> positions below every stored one and returns the lowest. A batch of
    /// backfilled events persisted oldest first takes them upwards (<see cref="IncomingEvent.BackfillPosition"/>),
    /// so the batch still reads oldest-lowest.
    /// </summary>
    public async Task<long> ReserveBackfillPositionsAsync(int count, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ReserveBackfillPositionsAsync(db, count, cancellationToken);
    }

    /// <summary>Backfilled events count down from below the oldest stored position.</summary>
    private async Task<long> ReserveBackfillPositionsAsync(HomeserverDbContext db, int count, CancellationToken cancellationToken)
    {
        var lowest = Math.Min(0, await db.Events.MinAsync(e => e.StreamOrdering, cancellationToken) ?? 0);
        lock (_backfillGate)
        {
            _lowestBackfillPosition = Math.Min(_lowestBackfillPosition, lowest) - count;
            return _lowestBackfillPosition;
        }
    }
}
