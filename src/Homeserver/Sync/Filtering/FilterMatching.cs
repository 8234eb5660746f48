using Matrix.Homeserver.Accounts.Filters;

namespace Matrix.Homeserver.Sync.Filtering;

/// <summary>
/// The accounts feature's filters applied where sync has no event JSON at hand: ephemeral and
/// presence events it is about to build, and state rows before it loads them.
/// </summary>
public static class FilterMatching
{
    /// <summary>An empty "types" or "senders" list lets nothing through (clients switch sections off this way).</summary>
    public static bool MatchesNothing(this EventFilter filter) => filter.Types is { Count: 0 } || filter.Senders is { Count: 0 } || filter.Limit == 0;

    public static bool AllowsType(this EventFilter filter, string type) =>
        (filter.NotTypes is null || !filter.NotTypes.Any(p => Glob.IsMatch(type, p))) && (filter.Types is null || filter.Types.Any(p => Glob.IsMatch(type, p)));

    /// <summary>Type and sender only (what <see cref="EventFilter.Matches"/> checks, without building the event).</summary>
    public static bool Matches(this EventFilter filter, string type, string sender) =>
        filter.AllowsType(type) && (filter.NotSenders is null || !filter.NotSenders.Contains(sender)) && (filter.Senders is null || filter.Senders.Contains(sender));

    /// <summary>Keeps the last <see cref="EventFilter.Limit"/> of the events, when the filter sets one.</summary>
    public static IEnumerable<T> Limited<T>(this EventFilter filter, IEnumerable<T> events) => filter.Limit is { } limit ? events.TakeLast(limit) : events;
}
