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
    public Dictionary<string, JoinedRoom> Join { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonArray> Invite { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonArray> Knock { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, LeftRoom> Leave { get; } = new(StringComparer.Ordinal);
    public List<JsonNode> Presence { get; } = [];
    public List<JsonObject> AccountData { get; } = [];
    public List<JsonObject> ToDevice { get; } = [];
    public HashSet<string> DeviceListsChanged { get; } = new(StringComparer.Ordinal);
    public HashSet<string> DeviceListsLeft { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> OneTimeKeysCount { get; } = new(StringComparer.Ordinal);
    public List<string> UnusedFallbackKeyTypes { get; } = [];

    /// <summary>The joined room's entry, created when a stream first has something for it.</summary>
    public JoinedRoom JoinedRoom(string roomId)
    {
        if (!Join.TryGetValue(roomId, out var room)) Join[roomId] = room = new JoinedRoom();
        return room;
    }

    /// <summary>Whether the answer tells the client anything (an empty one may wait for changes).</summary>
    public bool IsEmpty =>
        Join.Count == 0 && Invite.Count == 0 && Knock.Count == 0 && Leave.Count == 0 && Presence.Count == 0 && AccountData.Count == 0
        && ToDevice.Count == 0 && DeviceListsChanged.Count == 0 && DeviceListsLeft.Count == 0;

    public JsonObject ToJson(string nextBatch, bool useStateAfter)
    {
        var json = new JsonObject { ["next_batch"] = nextBatch };
        var rooms = new JsonObject();
        if (Join.Count > 0) rooms["join"] = Map(Join, r => r.ToJson(useStateAfter));
        if (Invite.Count > 0) rooms["invite"] = Map(Invite, s => new JsonObject { ["invite_state"] = new JsonObject { ["events"] = s } });
        if (Knock.Count > 0) rooms["knock"] = Map(Knock, s => new JsonObject { ["knock_state"] = new JsonObject { ["events"] = s } });
        if (Leave.Count > 0) rooms["leave"] = Map(Leave, r => r.ToJson(useStateAfter));
        if (rooms.Count > 0) json["rooms"] = rooms;
        if (Presence.Count > 0) json["presence"] = Events(Presence);
        if (AccountData.Count > 0) json["account_data"] = Events(AccountData);
        if (ToDevice.Count > 0) json["to_device"] = Events(ToDevice);
        if (DeviceListsChanged.Count > 0 || DeviceListsLeft.Count > 0)
        {
            json["device_lists"] = new JsonObject
            {
                ["changed"] = new JsonArray([.. DeviceListsChanged.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
                ["left"] = new JsonArray([.. DeviceListsLeft.Order(StringComparer.Ordinal).Select(u => JsonValue.Create(u))]),
            };
        }

        var counts = new JsonObject();
        foreach (var (algorithm, count) in OneTimeKeysCount) counts[algorithm] = count;
        json["device_one_time_keys_count"] = counts;
        json["device_unused_fallback_key_types"] = new JsonArray([.. UnusedFallbackKeyTypes.Select(t => JsonValue.Create(t))]);
        return json;
    }

    /// <summary>An event batch; an event already placed elsewhere in the answer (state_after and timeline) is copied.</summary>
    internal static JsonObject Events(IEnumerable<JsonNode> events) =>
        new() { ["events"] = new JsonArray([.. events.Select(e => e.Parent is null ? e : e.DeepClone())]) };

    private static JsonObject Map<T>(Dictionary<string, T> rooms, Func<T, JsonObject> write)
    {
        var map = new JsonObject();
        foreach (var (roomId, room) in rooms) map[roomId] = write(room);
        return map;
    }
}

/// <summary>A room's timeline batch: events, whether earlier ones were left out, and where /messages continues.</summary>
public sealed class TimelineSection
{
    public List<JsonObject> Events { get; } = [];
    public bool Limited { get; set; }
    public string? PrevBatch { get; set; }

    public JsonObject ToJson()
    {
        var json = SyncResponse.Events(Events);
        json["limited"] = Limited;
        if (PrevBatch is not null) json["prev_batch"] = PrevBatch;
        return json;
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

    public JsonObject ToJson(bool useStateAfter)
    {
        var json = new JsonObject
        {
            ["timeline"] = Timeline.ToJson(),
            [useStateAfter ? "state_after" : "state"] = SyncResponse.Events(State),
            ["ephemeral"] = SyncResponse.Events(Ephemeral),
            ["account_data"] = SyncResponse.Events(AccountData),
            ["unread_notifications"] = Counts(UnreadNotifications),
            ["summary"] = Summary ?? new JsonObject(),
        };
        if (UnreadThreadNotifications is { Count: > 0 } threads)
        {
            var byThread = new JsonObject();
            foreach (var (threadId, counts) in threads) byThread[threadId] = Counts(counts);
            json["unread_thread_notifications"] = byThread;
        }

        return json;
    }

    private static JsonObject Counts(NotificationCounts counts) =>
        new() { ["notification_count"] = counts.NotificationCount, ["highlight_count"] = counts.HighlightCount };
}

public sealed class LeftRoom
{
    public TimelineSection Timeline { get; } = new();
    public List<JsonObject> State { get; } = [];
    public List<JsonObject> AccountData { get; } = [];

    public JsonObject ToJson(bool useStateAfter) => new()
    {
        ["timeline"] = Timeline.ToJson(),
        [useStateAfter ? "state_after" : "state"] = SyncResponse.Events(State),
        ["account_data"] = SyncResponse.Events(AccountData),
    };
}
