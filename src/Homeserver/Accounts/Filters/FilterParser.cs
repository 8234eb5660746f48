using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>
/// Reads a filter's JSON into a <see cref="SyncFilter"/>, checking its shape: a member of the wrong
/// JSON type is M_BAD_JSON; a value of the right type that is not allowed (an unknown event_format, a
/// negative limit, something that is not a user or room ID) is M_INVALID_PARAM. Unknown members are
/// ignored, for forward compatibility.
/// </summary>
public static class FilterParser
{
    public static SyncFilter Parse(JsonObject json) => new()
    {
        EventFields = Strings(json, "event_fields", ""),
        EventFormat = Text(json, "event_format") switch
        {
            null or "client" => EventFormat.Client,
            "federation" => EventFormat.Federation,
            var other => throw MatrixException.InvalidParam($"event_format must be 'client' or 'federation', not '{other}'"),
        },
        Presence = Section(json, "presence", "", ParseEventFilter) ?? new EventFilter(),
        AccountData = Section(json, "account_data", "", ParseEventFilter) ?? new EventFilter(),
        Room = Section(json, "room", "", ParseRoomFilter) ?? new RoomFilter(),
    };

    private static EventFilter ParseEventFilter(JsonObject json, string path) => new()
    {
        Limit = Limit(json, path),
        Types = Strings(json, "types", path),
        NotTypes = Strings(json, "not_types", path),
        Senders = UserIdList(json, "senders", path),
        NotSenders = UserIdList(json, "not_senders", path),
    };

    private static RoomEventFilter ParseRoomEventFilter(JsonObject json, string path) => new(ParseEventFilter(json, path))
    {
        Rooms = RoomIdList(json, "rooms", path),
        NotRooms = RoomIdList(json, "not_rooms", path),
        ContainsUrl = Bool(json, "contains_url", path),
        LazyLoadMembers = Bool(json, "lazy_load_members", path) ?? false,
        IncludeRedundantMembers = Bool(json, "include_redundant_members", path) ?? false,
        UnreadThreadNotifications = Bool(json, "unread_thread_notifications", path) ?? false,
    };

    private static RoomFilter ParseRoomFilter(JsonObject json, string path) => new()
    {
        Rooms = RoomIdList(json, "rooms", path),
        NotRooms = RoomIdList(json, "not_rooms", path),
        IncludeLeave = Bool(json, "include_leave", path) ?? false,
        Ephemeral = Section(json, "ephemeral", path, ParseRoomEventFilter) ?? new RoomEventFilter(),
        State = Section(json, "state", path, ParseRoomEventFilter) ?? new RoomEventFilter(),
        Timeline = Section(json, "timeline", path, ParseRoomEventFilter) ?? new RoomEventFilter(),
        AccountData = Section(json, "account_data", path, ParseRoomEventFilter) ?? new RoomEventFilter(),
    };

    private static T? Section<T>(JsonObject json, string name, string path, Func<JsonObject, string, T> parse) where T : class
    {
        var at = Join(path, name);
        return json[name] switch
        {
            null => null,
            JsonObject section => parse(section, at),
            _ => throw MatrixException.BadJson($"{at} must be an object"),
        };
    }

    private static int? Limit(JsonObject json, string path)
    {
        var at = Join(path, "limit");
        if (json["limit"] is null) return null;
        if (json["limit"] is not JsonValue value || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue<long>(out var limit))
        {
            throw MatrixException.BadJson($"{at} must be an integer");
        }

        return limit switch
        {
            < 0 => throw MatrixException.InvalidParam($"{at} must not be negative"),
            > int.MaxValue => int.MaxValue,
            _ => (int)limit,
        };
    }

    private static bool? Bool(JsonObject json, string name, string path) => json[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw MatrixException.BadJson($"{Join(path, name)} must be true or false"),
    };

    private static string? Text(JsonObject json, string name) => json[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw MatrixException.BadJson($"{name} must be a string"),
    };

    private static List<string>? Strings(JsonObject json, string name, string path)
    {
        var at = Join(path, name);
        return json[name] switch
        {
            null => null,
            JsonArray array when array.All(e => e is JsonValue v && v.GetValueKind() == JsonValueKind.String) => [.. array.Select(e => e!.GetValue<string>())],
            _ => throw MatrixException.BadJson($"{at} must be an array of strings"),
        };
    }

    private static List<string>? UserIdList(JsonObject json, string name, string path) =>
        Checked(Strings(json, name, path), UserIds.IsValid, Join(path, name), "user IDs");

    private static List<string>? RoomIdList(JsonObject json, string name, string path) =>
        Checked(Strings(json, name, path), RoomIds.IsValid, Join(path, name), "room IDs");

    private static List<string>? Checked(List<string>? values, Func<string, bool> isValid, string at, string what) =>
        values is not null && values.FirstOrDefault(v => !isValid(v)) is { } bad
            ? throw MatrixException.InvalidParam($"{at} must hold {what}; '{bad}' is not one")
            : values;

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
