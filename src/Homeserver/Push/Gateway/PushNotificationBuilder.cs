using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Push.Rules;
using Matrix.Homeserver.Storage.Entities;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>What a notification says about its room and sender, beyond the event.</summary>
public sealed record PushRoomContext(string? SenderDisplayName, string? RoomName, string? RoomAlias);

/// <summary>
/// The body of POST /_matrix/push/v1/notify for one event and one pusher (spec: push gateway API). With
/// data.format "event_id_only" only the event and room IDs, counts and the device go (no content,
/// no tweaks, as Synapse does); otherwise the event's type, sender, content and room details too.
/// </summary>
public static class PushNotificationBuilder
{
    public const string EventIdOnly = "event_id_only";

    public static JsonObject Build(Pdu pdu, string userId, Pusher pusher, JsonObject tweaks, long unread, PushRoomContext room, bool includeContent)
    {
        var (device, eventIdOnly) = Device(pusher);
        if (!eventIdOnly && tweaks.Count > 0) device["tweaks"] = tweaks.DeepClone();

        var notification = new JsonObject
        {
            ["event_id"] = pdu.EventId,
            ["room_id"] = pdu.RoomId,
            ["prio"] = IsHighPriority(pdu, tweaks) ? "high" : "low",
        };
        // The spec asks to leave out counts that are zero.
        if (unread > 0) notification["counts"] = new JsonObject { ["unread"] = unread };

        if (!eventIdOnly)
        {
            // The pre-spec name of event_id: Synapse still sends it, and older gateways (and SyTest's) read it.
            notification["id"] = pdu.EventId;
            notification["type"] = pdu.Type;
            notification["sender"] = pdu.Sender;
            if (room.SenderDisplayName is { Length: > 0 } sender) notification["sender_display_name"] = sender;
            if (room.RoomName is { Length: > 0 } name) notification["room_name"] = name;
            if (room.RoomAlias is { Length: > 0 } alias) notification["room_alias"] = alias;
            if (pdu.Membership is { } membership)
            {
                notification["membership"] = membership;
                notification["user_is_target"] = pdu.StateKey == userId;
            }

            if (includeContent && pdu.Content.Count > 0) notification["content"] = pdu.Content.DeepClone();
        }

        notification["devices"] = new JsonArray(device);
        return new JsonObject { ["notification"] = notification };
    }

    /// <summary>
    /// A badge update: the unread count alone (zero included: it clears the badge), in Synapse's shape (an empty id and
    /// sender, a null type), sent when a read receipt changed the count.
    /// </summary>
    public static JsonObject BuildBadge(Pusher pusher, long unread) => new()
    {
        ["notification"] = new JsonObject
        {
            ["id"] = "",
            ["type"] = null,
            ["sender"] = "",
            ["counts"] = new JsonObject { ["unread"] = unread },
            ["devices"] = new JsonArray(Device(pusher).Device),
        },
    };

    /// <summary>The pusher as the notification's device (its data without the url), and whether it wants event IDs only.</summary>
    private static (JsonObject Device, bool EventIdOnly) Device(Pusher pusher)
    {
        var data = JsonNode.Parse(pusher.Data) as JsonObject ?? [];
        var eventIdOnly = data["format"] is JsonValue f && f.TryGetValue(out string? format) && format == EventIdOnly;
        data.Remove("url");
        var device = new JsonObject
        {
            ["app_id"] = pusher.AppId,
            ["pushkey"] = pusher.PushKey,
            ["pushkey_ts"] = pusher.PushKeyTs / 1000,
            ["data"] = data,
        };
        return (device, eventIdOnly);
    }

    /// <summary>High when it makes a sound or highlights, or may (encrypted: the server cannot tell); else low, to spare batteries.</summary>
    private static bool IsHighPriority(Pdu pdu, JsonObject tweaks) =>
        pdu.Type == EventTypes.Encrypted
        || tweaks.ContainsKey(PushActions.Sound)
        || (tweaks[PushActions.Highlight] is JsonValue h && h.TryGetValue(out bool highlight) && highlight);
}
