using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// An <see cref="IStateEventProvider"/> over events the caller already holds, such as the state and auth
/// chain of a send_join response being checked before anything is stored.
/// </summary>
public sealed class InMemoryEventProvider : IStateEventProvider
{
    private readonly Dictionary<string, StoredEvent> _events = new(StringComparer.Ordinal);

    public int Count => _events.Count;

    public void Add(Pdu pdu, bool rejected = false) => _events[pdu.EventId] = new StoredEvent(pdu, rejected);

    public bool TryGet(string eventId, out StoredEvent stored) => _events.TryGetValue(eventId, out stored);

    public ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredEvent>(eventIds.Count, StringComparer.Ordinal);
        foreach (var id in eventIds)
        {
            if (_events.TryGetValue(id, out var stored)) found[id] = stored;
        }

        return ValueTask.FromResult<IReadOnlyDictionary<string, StoredEvent>>(found);
    }

    public ValueTask<IReadOnlySet<string>> GetRejectedAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in eventIds)
        {
            if (_events.TryGetValue(id, out var stored) && stored.IsRejected) rejected.Add(id);
        }

        return ValueTask.FromResult<IReadOnlySet<string>>(rejected);
    }
}
