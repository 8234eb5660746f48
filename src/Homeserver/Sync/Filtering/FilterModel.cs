using System.Text.Json.Nodes;
using Matrix.Federation.Events;

namespace Matrix.Homeserver.Sync.Filtering;

/// <summary>
/// A filter (spec: "Filtering", POST /user/{userId}/filter) as /sync applies it. Absent lists match
/// everything; a "not_" list wins over its positive list; types may use "*" as a wildcard.
/// </summary>
public sealed record FilterDefinition
{
    public static readonly FilterDefinition Default = new();

    public List<string>? EventFields { get; init; }
    public string? EventFormat { get; init; }
    public EventFilter? Presence { get; init; }
    public EventFilter? AccountData { get; init; }
    public RoomFilter? Room { get; init; }

    public bool FederationFormat => EventFormat == "federation";
    public RoomFilter Rooms => Room ?? RoomFilter.Default;
    public EventFilter PresenceFilter => Presence ?? EventFilter.Default;
    public EventFilter AccountDataFilter => AccountData ?? EventFilter.Default;
}

public sealed record RoomFilter
{
    public static readonly RoomFilter Default = new();

    public List<string>? Rooms { get; init; }
    public List<string>? NotRooms { get; init; }
    public bool IncludeLeave { get; init; }
    public RoomEventFilter? Timeline { get; init; }
    public RoomEventFilter? State { get; init; }
    public RoomEventFilter? Ephemeral { get; init; }
    public RoomEventFilter? AccountData { get; init; }

    public RoomEventFilter TimelineFilter => Timeline ?? RoomEventFilter.Default;
    public RoomEventFilter StateFilter => State ?? RoomEventFilter.Default;
    public RoomEventFilter EphemeralFilter => Ephemeral ?? RoomEventFilter.Default;
    public RoomEventFilter AccountDataFilter => AccountData ?? RoomEventFilter.Default;

    public bool AllowsRoom(string roomId) => EventFilter.Allows(Rooms, NotRooms, roomId);
}

/// <summary>Matches events by type and sender.</summary>
public record EventFilter
{
    public static readonly EventFilter Default = new();

    public int? Limit { get; init; }
    public List<string>? Types { get; init; }
    public List<string>? NotTypes { get; init; }
    public List<string>? Senders { get; init; }
    public List<string>? NotSenders { get; init; }

    /// <summary>Whether nothing can pass (an empty "types" list, as Element sends for unwanted sections).</summary>
    public bool MatchesNothing => Types is { Count: 0 } || Senders is { Count: 0 };

    public bool Matches(string type, string? sender) =>
        AllowsType(type) && (sender is null || Allows(Senders, NotSenders, sender));

    public bool AllowsType(string type) =>
        (NotTypes is null || !NotTypes.Any(p => TypeMatches(p, type))) && (Types is null || Types.Any(p => TypeMatches(p, type)));

    /// <summary>An event type against a pattern where "*" matches any run of characters.</summary>
    public static bool TypeMatches(string pattern, string type)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0) return pattern == type;
        var parts = pattern.Split('*');
        if (!type.StartsWith(parts[0], StringComparison.Ordinal) || !type.EndsWith(parts[^1], StringComparison.Ordinal)) return false;
        var at = parts[0].Length;
        var end = type.Length - parts[^1].Length;
        if (end < at) return false;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = type.IndexOf(parts[i], at, end - at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + parts[i].Length;
        }

        return true;
    }

    internal static bool Allows(List<string>? allowed, List<string>? denied, string value) =>
        (denied is null || !denied.Contains(value, StringComparer.Ordinal)) && (allowed is null || allowed.Contains(value, StringComparer.Ordinal));
}

/// <summary>An <see cref="EventFilter"/> for room events, with the room and lazy-loading options.</summary>
public sealed record RoomEventFilter : EventFilter
{
    public static new readonly RoomEventFilter Default = new();

    public List<string>? Rooms { get; init; }
    public List<string>? NotRooms { get; init; }
    public bool? ContainsUrl { get; init; }
    public bool LazyLoadMembers { get; init; }
    public bool IncludeRedundantMembers { get; init; }
    public bool UnreadThreadNotifications { get; init; }

    public bool AllowsRoom(string roomId) => Allows(Rooms, NotRooms, roomId);

    /// <summary>The whole filter, including contains_url, on a room event's type, sender and content.</summary>
    public bool Matches(Pdu pdu) => Matches(pdu.Type, pdu.Sender) && MatchesUrl(pdu.Content);

    private bool MatchesUrl(JsonObject content) =>
        ContainsUrl is not { } wanted || (content["url"] is JsonValue v && v.TryGetValue(out string? _)) == wanted;
}
