using Matrix.Federation.Auth;
using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The events one resolution has loaded: fetches only what it lacks, in one batch per call, checks that
/// every event is of the room, and enforces the event limit.
/// </summary>
internal sealed class EventLoader(IStateEventProvider provider, string roomId, StateResolutionLimits limits, CancellationToken cancellationToken)
{
    private readonly Dictionary<string, StoredEvent> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);

    public IStateEventProvider Provider => provider;
    public CancellationToken CancellationToken => cancellationToken;
    public StateResolutionLimits Limits => limits;

    /// <summary>Makes every known event among <paramref name="eventIds"/> available to <see cref="TryGet"/>.</summary>
    public async ValueTask LoadAsync(IEnumerable<string> eventIds)
    {
        var missing = eventIds.Where(id => !_events.ContainsKey(id) && !_unknown.Contains(id)).ToHashSet(StringComparer.Ordinal);
        if (missing.Count == 0) return;
        if (_events.Count + missing.Count > limits.MaxEvents)
        {
            throw new StateResolutionException($"state resolution needs more than {limits.MaxEvents} events");
        }

        var found = await provider.GetEventsAsync(missing, cancellationToken);
        foreach (var id in missing)
        {
            if (!found.TryGetValue(id, out var stored))
            {
                _unknown.Add(id);
                continue;
            }

            if (stored.Pdu.RoomId != roomId) throw new StateResolutionException($"event {id} is in room {stored.Pdu.RoomId}, not {roomId}");
            _events[id] = stored;
        }
    }

    public bool TryGet(string eventId, out StoredEvent stored) => _events.TryGetValue(eventId, out stored);

    public Pdu Get(string eventId) => _events[eventId].Pdu;

    public bool IsLoaded(string eventId) => _events.ContainsKey(eventId);

    public bool IsRejected(string eventId) => _events.TryGetValue(eventId, out var stored) && stored.IsRejected;

    /// <summary>The loaded auth events of <paramref name="pdu"/> (its listed ones plus, in v12, the implied create event).</summary>
    public IEnumerable<StoredEvent> AuthEventsOf(Pdu pdu)
    {
        foreach (var id in AuthEventReferences.Of(pdu))
        {
            if (_events.TryGetValue(id, out var stored)) yield return stored;
        }
    }

    /// <summary>Loads the auth events of every loaded event among <paramref name="eventIds"/>.</summary>
    public ValueTask LoadAuthEventsAsync(IEnumerable<string> eventIds) =>
        LoadAsync(eventIds.Where(_events.ContainsKey).SelectMany(id => AuthEventReferences.Of(_events[id].Pdu)));

    /// <summary>The m.room.power_levels event among the loaded auth events of <paramref name="pdu"/>, if any.</summary>
    public Pdu? PowerLevelsAuthEvent(Pdu pdu) =>
        AuthEventsOf(pdu).Select(e => e.Pdu).FirstOrDefault(e => e.Type == EventTypes.PowerLevels && e.StateKey == "");
}
