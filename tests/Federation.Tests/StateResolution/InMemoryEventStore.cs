using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.StateResolution;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>Events in a dictionary, counting the batches asked for; also answers auth chains as an index would.</summary>
internal sealed class InMemoryEventStore : IStateEventProvider, IAuthChainProvider
{
    private readonly Dictionary<string, StoredEvent> _events = new(StringComparer.Ordinal);

    public int EventBatches { get; private set; }
    public int AuthChainQueries { get; private set; }

    public void Add(Pdu pdu, bool rejected = false) => _events[pdu.EventId] = new StoredEvent(pdu, rejected);

    public void MarkRejected(string eventId) => _events[eventId] = _events[eventId] with { IsRejected = true };

    public Pdu this[string eventId] => _events[eventId].Pdu;

    public bool IsRejected(string eventId) => _events[eventId].IsRejected;

    public ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        EventBatches++;
        IReadOnlyDictionary<string, StoredEvent> found = eventIds.Where(_events.ContainsKey).ToDictionary(id => id, id => _events[id], StringComparer.Ordinal);
        return ValueTask.FromResult(found);
    }

    public ValueTask<IReadOnlySet<string>> GetAuthChainUnionAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        AuthChainQueries++;
        var chain = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(eventIds);
        while (pending.TryPop(out var id))
        {
            if (!_events.TryGetValue(id, out var stored)) continue;
            foreach (var authId in AuthEventReferences.Of(stored.Pdu))
            {
                if (chain.Add(authId)) pending.Push(authId);
            }
        }

        return ValueTask.FromResult<IReadOnlySet<string>>(chain);
    }
}
