using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Federation.StateResolution;

namespace Matrix.Federation.Tests.StateResolution;

/// <summary>The library's in-memory provider, counting the batches asked for; also answers auth chains as an index would.</summary>
internal sealed class InMemoryEventStore : IStateEventProvider, IAuthChainProvider
{
    private readonly InMemoryEventProvider _events = new();

    public int EventBatches { get; private set; }
    public int AuthChainQueries { get; private set; }

    public void Add(Pdu pdu, bool rejected = false) => _events.Add(pdu, rejected);

    public void MarkRejected(string eventId) => _events.Add(this[eventId], rejected: true);

    public Pdu this[string eventId] => _events.TryGet(eventId, out var stored) ? stored.Pdu : throw new KeyNotFoundException(eventId);

    public bool IsRejected(string eventId) => _events.TryGet(eventId, out var stored) && stored.IsRejected;

    public ValueTask<IReadOnlyDictionary<string, StoredEvent>> GetEventsAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        EventBatches++;
        return _events.GetEventsAsync(eventIds, cancellationToken);
    }

    public ValueTask<IReadOnlySet<string>> GetRejectedAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken) =>
        _events.GetRejectedAsync(eventIds, cancellationToken);

    public ValueTask<IReadOnlySet<string>> GetAuthChainUnionAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        AuthChainQueries++;
        var chain = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(eventIds);
        while (pending.TryPop(out var id))
        {
            if (!_events.TryGet(id, out var stored)) continue;
            foreach (var authId in AuthEventReferences.Of(stored.Pdu))
            {
                if (chain.Add(authId)) pending.Push(authId);
            }
        }

        return ValueTask.FromResult<IReadOnlySet<string>>(chain);
    }
}
