using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Keys;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>The content of an m.device_list_update EDU: one device of a user changed (or was deleted) at stream_id.</summary>
public sealed record DeviceListUpdate(string UserId, string DeviceId, long StreamId, IReadOnlyList<long> PrevIds, bool Deleted, string? DisplayName, JsonObject? Keys)
{
    /// <summary>Null when malformed: missing IDs, a non-integer stream ID, or keys of another user or device.</summary>
    public static DeviceListUpdate? Parse(JsonObject content)
    {
        var userId = KeyJson.StringValue(content["user_id"]);
        var deviceId = KeyJson.StringValue(content["device_id"]);
        if (userId is null || deviceId is null || Integer(content["stream_id"]) is not { } streamId) return null;

        var prevIds = new List<long>();
        switch (content["prev_id"])
        {
            case null:
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (Integer(item) is not { } prev) return null;
                    prevIds.Add(prev);
                }

                break;
            default:
                return null;
        }

        var deleted = content["deleted"] is JsonValue flag && flag.GetValueKind() == JsonValueKind.True;
        var keys = content["keys"] as JsonObject;
        if (keys is not null && !DeviceKeysAreFor(keys, userId, deviceId)) return null;
        return new DeviceListUpdate(userId, deviceId, streamId, prevIds, deleted, KeyJson.StringValue(content["device_display_name"]), keys);
    }

    /// <summary>Device keys name their owner and device: a server cannot file one device's keys under another.</summary>
    public static bool DeviceKeysAreFor(JsonObject keys, string userId, string deviceId) =>
        KeyJson.StringValue(keys["user_id"]) == userId && KeyJson.StringValue(keys["device_id"]) == deviceId;

    public static long? Integer(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out long number) ? number : null;
}
