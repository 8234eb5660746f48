using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

/// <summary>An event as storage knows it: the PDU and whether it was rejected on receipt.</summary>
public readonly record struct StoredEvent(Pdu Pdu, bool IsRejected);

/// <summary>
/// Where state resolution gets events. Calls are batched: each asks for every ID one step of the
/// algorithm needs, so a database host can answer with one query per step.
/// </summary>
public interface IStateEventProvider
{
    /// <summary>The events among <paramref name="eventIds"/> that are known; unknown IDs are left out.</summary>
    ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken);

    /// <summary>
    /// Which of <paramref name="eventIds"/> were rejected. Asked for every event in the input state sets,
    /// so hosts should answer from the rejection flag alone; the default loads the events.
    /// </summary>
    async ValueTask<IReadOnlySet<string>> GetRejectedAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var events = await GetEventsAsync(eventIds, cancellationToken);
        return events.Where(e => e.Value.IsRejected).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
    }
}

/// <summary>
/// An optional index of auth chains (for instance Synapse-style chain covers), so the auth difference
/// does not need every event of a large room's state loaded and walked.
/// </summary>
public interface IAuthChainProvider
{
    /// <summary>
    /// The union of the auth chains of <paramref name="eventIds"/>: every event reachable through
    /// auth_events (in v12 including the create event each room ID implies). The given events belong to
    /// the answer only when reachable from another of them.
    /// </summary>
    ValueTask<IReadOnlySet<string>> GetAuthChainUnionAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken);
}
