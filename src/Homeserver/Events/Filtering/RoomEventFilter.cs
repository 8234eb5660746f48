using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage.Entities;

namespace Matrix.Homeserver.Events.Filtering;

/// <summary>
/// A RoomEventFilter (spec "Filtering"): which events an endpoint returns. Type patterns may use '*'
/// as a wildcard; the not_ lists win over the include lists. Kept in one small class so it can be
/// swapped for the filter model of the filter API once that lands.
/// </summary>
public sealed record RoomEventFilter
{
    public int? Limit { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public IReadOnlyList<string>? NotTypes { get; init; }
    public IReadOnlyList<string>? Senders { get; init; }
    public IReadOnlyList<string>? NotSenders { get; init; }
    public IReadOnlyList<string>? Rooms { get; init; }
    public IReadOnlyList<string>? NotRooms { get; init; }
    public bool? ContainsUrl { get; init; }
    public bool LazyLoadMembers { get; init; }
    public bool IncludeRedundantMembers { get; init; }

    public static readonly RoomEventFilter Empty = new();

    /// <summary>The filter of a query string parameter: JSON, or absent. Not JSON → M_NOT_JSON; wrong shape → M_BAD_JSON.</summary>
    public static RoomEventFilter FromQuery(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return Empty;
        return FromJson(JsonBody.ParseObject(json, "filter"));
    }

    public static RoomEventFilter FromJson(JsonObject json)
    {
        var filter = JsonBody.Bind<RoomEventFilter>(json);
        if (filter.Limit is < 0) throw MatrixException.BadJson("filter.limit must not be negative");
        return filter;
    }

    /// <summary>Whether an event passes the filter (rooms, senders, types and contains_url).</summary>
    public bool Matches(Pdu pdu) =>
        MatchesRoom(pdu.RoomId) && MatchesSenderAndType(pdu.Sender, pdu.Type) && MatchesUrl(pdu.Content);

    public bool MatchesRoom(string roomId) =>
        NotRooms?.Contains(roomId, StringComparer.Ordinal) != true && (Rooms is null || Rooms.Contains(roomId, StringComparer.Ordinal));

    public bool MatchesSenderAndType(string sender, string type) =>
        NotSenders?.Contains(sender, StringComparer.Ordinal) != true
        && (Senders is null || Senders.Contains(sender, StringComparer.Ordinal))
        && NotTypes?.Any(p => TypeMatches(p, type)) != true
        && (Types is null || Types.Any(p => TypeMatches(p, type)));

    private bool MatchesUrl(JsonObject content)
    {
        if (ContainsUrl is not { } wanted) return true;
        var hasUrl = content["url"] is JsonValue v && v.TryGetValue(out string? _);
        return hasUrl == wanted;
    }

    /// <summary>
    /// Narrows a query of events by the exact (wildcard-free) parts of the filter, so the database
    /// skips what cannot match; <see cref="Matches"/> still decides each event.
    /// </summary>
    public IQueryable<Event> Narrow(IQueryable<Event> events)
    {
        if (Senders is { } senders) events = events.Where(e => senders.Contains(e.Sender));
        if (NotSenders is { Count: > 0 } notSenders) events = events.Where(e => !notSenders.Contains(e.Sender));
        if (Types is { } types && !types.Any(HasWildcard)) events = events.Where(e => types.Contains(e.Type));
        if (NotTypes?.Where(t => !HasWildcard(t)).ToList() is { Count: > 0 } notTypes) events = events.Where(e => !notTypes.Contains(e.Type));
        return events;
    }

    /// <summary>Synapse's type pattern: '*' matches any run of characters, everything else literally.</summary>
    public static bool TypeMatches(string pattern, string type)
    {
        if (!HasWildcard(pattern)) return pattern == type;
        var parts = pattern.Split('*');
        if (!type.StartsWith(parts[0], StringComparison.Ordinal)) return false;
        var position = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = type.IndexOf(parts[i], position, StringComparison.Ordinal);
            if (found < 0) return false;
            position = found + parts[i].Length;
        }

        return type.Length - position >= parts[^1].Length && type.EndsWith(parts[^1], StringComparison.Ordinal);
    }

    private static bool HasWildcard(string pattern) => pattern.Contains('*', StringComparison.Ordinal);
}
