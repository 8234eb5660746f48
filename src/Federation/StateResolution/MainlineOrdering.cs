using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

/// <summary>
/// The mainline ordering: events sorted by where their chain of power levels auth events meets the
/// mainline of the resolved power levels event (meeting it further back, or not at all, sorts first),
/// then by origin_server_ts, then by event ID.
/// </summary>
internal sealed class MainlineOrdering
{
    /// <summary>The position of events whose power levels chain never meets the mainline: before every other.</summary>
    private const int Unanchored = int.MaxValue;

    private readonly EventLoader _loader;
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    private MainlineOrdering(EventLoader loader) => _loader = loader;

    public static async ValueTask<List<string>> SortAsync(EventLoader loader, IReadOnlyCollection<string> events, string? resolvedPowerLevels)
    {
        if (events.Count == 0) return [];
        var ordering = new MainlineOrdering(loader);
        await ordering.BuildMainlineAsync(resolvedPowerLevels);

        await loader.LoadAuthEventsAsync(events);
        var keys = new Dictionary<string, (int Position, long Ts)>(events.Count, StringComparer.Ordinal);
        foreach (var id in events)
        {
            var pdu = loader.Get(id);
            keys[id] = (await ordering.PositionOfChainAsync(loader.PowerLevelsAuthEvent(pdu)), pdu.OriginServerTs);
        }

        var sorted = events.ToList();
        sorted.Sort((x, y) =>
        {
            var byPosition = keys[y].Position.CompareTo(keys[x].Position);
            if (byPosition != 0) return byPosition;
            var byTime = keys[x].Ts.CompareTo(keys[y].Ts);
            return byTime != 0 ? byTime : string.CompareOrdinal(x, y);
        });
        return sorted;
    }

    /// <summary>P0 (the resolved power levels) is at 0, its power levels auth event at 1, and so on back.</summary>
    private async ValueTask BuildMainlineAsync(string? resolvedPowerLevels)
    {
        var position = 0;
        for (var id = resolvedPowerLevels; id is not null; position++)
        {
            await _loader.LoadAsync([id]);
            if (!_loader.TryGet(id, out var stored)) break;
            if (!_positions.TryAdd(id, position)) throw new StateResolutionException($"the power levels mainline loops at {id}");
            await _loader.LoadAuthEventsAsync([id]);
            id = _loader.PowerLevelsAuthEvent(stored.Pdu)?.EventId;
        }
    }

    /// <summary>
    /// The mainline position of the first event on the power levels chain from <paramref name="start"/>;
    /// remembered for every event walked, so shared chains are walked once.
    /// </summary>
    private async ValueTask<int> PositionOfChainAsync(Pdu? start)
    {
        var walked = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var position = Unanchored;
        for (var pdu = start; pdu is not null;)
        {
            if (_positions.TryGetValue(pdu.EventId, out position)) break;
            if (!seen.Add(pdu.EventId)) throw new StateResolutionException($"the power levels chain loops at {pdu.EventId}");
            walked.Add(pdu.EventId);
            position = Unanchored;
            await _loader.LoadAuthEventsAsync([pdu.EventId]);
            pdu = _loader.PowerLevelsAuthEvent(pdu);
        }

        foreach (var id in walked) _positions[id] = position;
        return position;
    }
}
