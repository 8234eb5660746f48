using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>
/// An event filter (spec: Filtering): types and senders to include or exclude, with '*' wildcards in
/// types, and a limit. Absent lists do not restrict; the not_ lists win over the allow lists.
/// </summary>
public record EventFilter
{
    public int? Limit { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public IReadOnlyList<string>? NotTypes { get; init; }
    public IReadOnlyList<string>? Senders { get; init; }
    public IReadOnlyList<string>? NotSenders { get; init; }

    /// <summary>The limit to apply: the filter's, else <paramref name="defaultLimit"/>, never above <paramref name="maxLimit"/>.</summary>
    public int EffectiveLimit(int defaultLimit, int maxLimit) => Math.Min(Limit ?? defaultLimit, maxLimit);

    /// <summary>Whether the event (client or federation format) passes the filter.</summary>
    public virtual bool Matches(JsonObject ev)
    {
        var type = Text(ev["type"]) ?? "";
        if (NotTypes is not null && AnyMatches(NotTypes, type)) return false;
        if (Types is not null && !AnyMatches(Types, type)) return false;
        var sender = Text(ev["sender"]);
        if (sender is not null && NotSenders is not null && NotSenders.Contains(sender)) return false;
        return Senders is null || (sender is not null && Senders.Contains(sender));
    }

    /// <summary>The events that pass, in order.</summary>
    public IEnumerable<JsonObject> Filter(IEnumerable<JsonObject> events) => events.Where(Matches);

    // Loops, not LINQ: this runs for every event a sync looks at, and closures allocate.
    private static bool AnyMatches(IReadOnlyList<string> patterns, string type)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (Glob.IsMatch(type, patterns[i])) return true;
        }

        return false;
    }

    protected static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

/// <summary>
/// A room event filter: an event filter plus rooms, contains_url, and the sync options
/// lazy_load_members, include_redundant_members and unread_thread_notifications. (The spec's former
/// StateFilter is this type: the state section takes a RoomEventFilter.)
/// </summary>
public sealed record RoomEventFilter : EventFilter
{
    public RoomEventFilter()
    {
    }

    /// <summary>A room event filter with the event filter part of <paramref name="events"/>.</summary>
    public RoomEventFilter(EventFilter events) : base(events)
    {
    }

    public IReadOnlyList<string>? Rooms { get; init; }
    public IReadOnlyList<string>? NotRooms { get; init; }
    public bool? ContainsUrl { get; init; }
    public bool LazyLoadMembers { get; init; }
    public bool IncludeRedundantMembers { get; init; }
    public bool UnreadThreadNotifications { get; init; }

    public bool IncludesRoom(string roomId) => RoomLists.Includes(Rooms, NotRooms, roomId);

    /// <summary>
    /// The rooms of <paramref name="roomIds"/> this filter includes: the same sequence when it names no rooms, as most
    /// filters do (no iterator or delegate per woken long-poll).
    /// </summary>
    public IEnumerable<string> RoomsAmong(IEnumerable<string> roomIds) =>
        Rooms is null && NotRooms is null ? roomIds : roomIds.Where(IncludesRoom);

    /// <summary>Also checks the room (when the event carries room_id) and content.url.</summary>
    public override bool Matches(JsonObject ev)
    {
        if (!base.Matches(ev)) return false;
        if (Text(ev["room_id"]) is { } roomId && !IncludesRoom(roomId)) return false;
        if (ContainsUrl is not { } wantsUrl) return true;
        var hasUrl = ev["content"] is JsonObject content && Text(content["url"]) is not null;
        return hasUrl == wantsUrl;
    }
}

/// <summary>What a sync includes of rooms: which rooms, left rooms or not, and a filter per section.</summary>
public sealed record RoomFilter
{
    public IReadOnlyList<string>? Rooms { get; init; }
    public IReadOnlyList<string>? NotRooms { get; init; }
    public bool IncludeLeave { get; init; }
    public RoomEventFilter Ephemeral { get; init; } = new();
    public RoomEventFilter State { get; init; } = new();
    public RoomEventFilter Timeline { get; init; } = new();
    public RoomEventFilter AccountData { get; init; } = new();

    /// <summary>Applied before the section filters.</summary>
    public bool IncludesRoom(string roomId) => RoomLists.Includes(Rooms, NotRooms, roomId);
}

public enum EventFormat
{
    Client,
    Federation,
}

/// <summary>A whole filter as /sync and the filter API take it.</summary>
public sealed record SyncFilter
{
    /// <summary>No filtering at all (a sync without a filter).</summary>
    public static readonly SyncFilter Default = new();

    public IReadOnlyList<string>? EventFields { get; init; }
    public EventFormat EventFormat { get; init; } = EventFormat.Client;
    public EventFilter Presence { get; init; } = new();
    public EventFilter AccountData { get; init; } = new();
    public RoomFilter Room { get; init; } = new();

    /// <summary>The event reduced to <see cref="EventFields"/> (unchanged when there are none).</summary>
    public JsonObject Project(JsonObject ev) => EventFields is null ? ev : Filters.EventFields.Project(ev, EventFields);
}

internal static class RoomLists
{
    public static bool Includes(IReadOnlyList<string>? rooms, IReadOnlyList<string>? notRooms, string roomId) =>
        (notRooms is null || !notRooms.Contains(roomId)) && (rooms is null || rooms.Contains(roomId));
}
