using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Push.Notifications;

namespace Matrix.Homeserver.Sync;

/// <summary>
/// A /sync answer under construction: each stream adds its part. Written out like Synapse does:
/// empty sections are left out, except the one-time key counts and fallback key types, which
/// clients read as "the server supports this" (Synapse issue 10456).
/// </summary>
public sealed class SyncResponse
{
    // The sections a woken long-poll seldom has are made when first asked for: a message into a big room computes an
    // answer per member, and each made every section before.
    private Dictionary<string, JsonArray>? _invite, _knock;
    private Dictionary<string, LeftRoom>? _leave;
    private List<JsonNode>? _presence;
    private List<JsonObject>? _accountData, _toDevice;
    private HashSet<string>? _deviceListsChanged, _deviceListsLeft;

    public Dictionary<string, JoinedRoom> Join { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonArray> Invite => _invite ??= new(StringComparer.Ordinal);
    public Dictionary<string, JsonArray> Knock => _knock ??= new(StringComparer.Ordinal);
    public Dictionary<string, LeftRoom> Leave => _leave ??= new(StringComparer.Ordinal);
    public List<JsonNode> Presence => _presence ??= [];
    public List<JsonObject> AccountData => _accountData ??= [];
    public List<JsonObject> ToDevice => _toDevice ??= [];
    public HashSet<string> DeviceListsChanged => _deviceListsChanged ??= new(StringComparer.Ordinal);
    public HashSet<string> DeviceListsLeft => _deviceListsLeft ??= new(StringComparer.Ordinal);
    /// <summary>The device's counts as kept (not copied: the cache's entries are not changed, only replaced).</summary>
    public IReadOnlyDictionary<string, long> OneTimeKeysCount { get; set; } = NoCounts;
    public IReadOnlyList<string> UnusedFallbackKeyTypes { get; set; } = [];

    private static readonly IReadOnlyDictionary<string, long> NoCounts = new Dictionary<string, long>();

    /// <summary>The joined room's entry, created when a stream first has something for it.</summary>
    public JoinedRoom JoinedRoom(string roomId)
    {
        if (!Join.TryGetValue(roomId, out var room)) Join[roomId] = room = new JoinedRoom();
        return room;
    }

    /// <summary>Whether the answer tells the client anything (an empty one may wait for changes).</summary>
    public bool IsEmpty =>
        Join.Count == 0 && None(_invite) && None(_knock) && None(_leave) && None(_presence) && None(_accountData) && None(_toDevice)
        && None(_deviceListsChanged) && None(_deviceListsLeft);

    private static bool None<T>(IReadOnlyCollection<T>? section) => section is not { Count: > 0 };

    /// <summary>Writes the answer, as <c>next_batch</c> and the sections that have something.</summary>
    public void WriteTo(Utf8JsonWriter writer, string nextBatch, bool useStateAfter)
    {
        writer.WriteStartObject();
        writer.WriteString("next_batch", nextBatch);
        if (Join.Count > 0 || !None(_invite) || !None(_knock) || !None(_leave))
        {
            writer.WriteStartObject("rooms");
            if (Join.Count > 0) WriteMap(writer, "join", Join, (w, r) => r.WriteTo(w, useStateAfter));
            if (_invite is { Count: > 0 } invite) WriteMap(writer, "invite", invite, (w, s) => WriteStripped(w, "invite_state", s));
            if (_knock is { Count: > 0 } knock) WriteMap(writer, "knock", knock, (w, s) => WriteStripped(w, "knock_state", s));
            if (_leave is { Count: > 0 } leave) WriteMap(writer, "leave", leave, (w, r) => r.WriteTo(w, useStateAfter));
            writer.WriteEndObject();
        }

        if (_presence is { Count: > 0 } presence) WriteEvents(writer, "presence", presence);
        if (_accountData is { Count: > 0 } accountData) WriteEvents(writer, "account_data", accountData);
        if (_toDevice is { Count: > 0 } toDevice) WriteEvents(writer, "to_device", toDevice);
        if (!None(_deviceListsChanged) || !None(_deviceListsLeft))
        {
            writer.WriteStartObject("device_lists");
            WriteStrings(writer, "changed", (_deviceListsChanged ?? []).Order(StringComparer.Ordinal));
            WriteStrings(writer, "left", (_deviceListsLeft ?? []).Order(StringComparer.Ordinal));
            writer.WriteEndObject();
        }

        writer.WriteStartObject("device_one_time_keys_count");
        foreach (var (algorithm, count) in OneTimeKeysCount) writer.WriteNumber(algorithm, count);
        writer.WriteEndObject();
        WriteStrings(writer, "device_unused_fallback_key_types", UnusedFallbackKeyTypes);
        writer.WriteEndObject();
    }

    /// <summary>
    /// An event batch, <c>{"events": [...]}</c>. An event may sit in two places of the answer (state_after and the
    /// timeline): written, not attached to a tree, it needs no copy.
    /// </summary>
    internal static void WriteEvents<T>(Utf8JsonWriter writer, string name, IEnumerable<T> events) where T : JsonNode
    {
        writer.WriteStartObject(name);
        WriteEventArray(writer, events);
        writer.WriteEndObject();
    }

    /// <summary>The <c>"events": [...]</c> property of a batch.</summary>
    internal static void WriteEventArray<T>(Utf8JsonWriter writer, IEnumerable<T> events) where T : JsonNode
    {
        writer.WriteStartArray("events");
        foreach (var e in events) e.WriteTo(writer);
        writer.WriteEndArray();
    }

    private static void WriteStripped(Utf8JsonWriter writer, string name, JsonArray events)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(name);
        writer.WritePropertyName("events");
        events.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    private static void WriteMap<T>(Utf8JsonWriter writer, string name, Dictionary<string, T> rooms, Action<Utf8JsonWriter, T> write)
    {
        writer.WriteStartObject(name);
        foreach (var (roomId, room) in rooms)
        {
            writer.WritePropertyName(roomId);
            write(writer, room);
        }

        writer.WriteEndObject();
    }
}

/// <summary>A room's timeline batch: events, whether earlier ones were left out, and where /messages continues.</summary>
public sealed class TimelineSection
{
    public List<JsonObject> Events { get; } = [];
    public bool Limited { get; set; }
    public string? PrevBatch { get; set; }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("timeline");
        SyncResponse.WriteEventArray(writer, Events);
        writer.WriteBoolean("limited", Limited);
        if (PrevBatch is not null) writer.WriteString("prev_batch", PrevBatch);
        writer.WriteEndObject();
    }
}

public sealed class JoinedRoom
{
    public TimelineSection Timeline { get; } = new();

    /// <summary>State before the timeline (or after it, when the client asked for use_state_after).</summary>
    public List<JsonObject> State { get; } = [];
    public List<JsonObject> Ephemeral { get; } = [];
    public List<JsonObject> AccountData { get; } = [];
    public JsonObject? Summary { get; set; }
    public NotificationCounts UnreadNotifications { get; set; }

    /// <summary>Per thread root (the main timeline's counts are then <see cref="UnreadNotifications"/>), when the filter asks.</summary>
    public IReadOnlyDictionary<string, NotificationCounts>? UnreadThreadNotifications { get; set; }

    public void WriteTo(Utf8JsonWriter writer, bool useStateAfter)
    {
        writer.WriteStartObject();
        Timeline.WriteTo(writer);
        SyncResponse.WriteEvents(writer, useStateAfter ? "state_after" : "state", State);
        SyncResponse.WriteEvents(writer, "ephemeral", Ephemeral);
        SyncResponse.WriteEvents(writer, "account_data", AccountData);
        WriteCounts(writer, "unread_notifications", UnreadNotifications);
        writer.WritePropertyName("summary");
        if (Summary is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            Summary.WriteTo(writer);
        }

        if (UnreadThreadNotifications is { Count: > 0 } threads)
        {
            writer.WriteStartObject("unread_thread_notifications");
            foreach (var (threadId, counts) in threads) WriteCounts(writer, threadId, counts);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter writer, string name, NotificationCounts counts)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("notification_count", counts.NotificationCount);
        writer.WriteNumber("highlight_count", counts.HighlightCount);
        writer.WriteEndObject();
    }
}

public sealed class LeftRoom
{
    public TimelineSection Timeline { get; } = new();
    public List<JsonObject> State { get; } = [];
    public List<JsonObject> AccountData { get; } = [];

    public void WriteTo(Utf8JsonWriter writer, bool useStateAfter)
    {
        writer.WriteStartObject();
        Timeline.WriteTo(writer);
        SyncResponse.WriteEvents(writer, useStateAfter ? "state_after" : "state", State);
        SyncResponse.WriteEvents(writer, "account_data", AccountData);
        writer.WriteEndObject();
    }
}
