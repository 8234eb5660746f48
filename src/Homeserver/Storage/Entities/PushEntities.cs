namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A user's push rule: one of their own (ordered by <see cref="Position"/> within its kind, lowest
/// first), or their change to a server-default rule (rule ID starting with a dot), where only
/// <see cref="Enabled"/> and <see cref="Actions"/> are set, null meaning unchanged.
/// </summary>
public sealed class PushRuleEntry
{
    public required string UserId { get; set; }
    public required string Kind { get; set; }
    public required string RuleId { get; set; }
    public long Position { get; set; }

    /// <summary>JSON array of conditions (override and underride rules).</summary>
    public string? Conditions { get; set; }

    /// <summary>The glob of a content rule.</summary>
    public string? Pattern { get; set; }

    /// <summary>JSON array of actions.</summary>
    public string? Actions { get; set; }
    public bool? Enabled { get; set; }
}

/// <summary>
/// A notification: an event whose push rules said notify for a local user, with the thread it belongs
/// to ("main" for the main timeline) for threaded unread counts, and the actions for pushers and
/// /notifications. <see cref="WrittenAt"/> is the stream position of the write, so sync can find rooms
/// whose counts changed after a token even though the event itself is older.
/// Queries read the <c>user_notifications</c> view: the rows of <c>event_push_actions</c> (one per user whose outcome
/// differs from their room's, see <see cref="RoomPushAction"/>; actions <c>[]</c> marks "not notified") and each
/// <see cref="RoomPushAction"/> for the room's members it covers.
/// </summary>
public sealed class EventPushAction
{
    public required string UserId { get; set; }
    public required string RoomId { get; set; }
    public required string EventId { get; set; }
    public long StreamOrdering { get; set; }
    public required string ThreadId { get; set; }
    public bool Highlight { get; set; }

    /// <summary>JSON array of the matched rule's actions.</summary>
    public required string Actions { get; set; }
    public long Ts { get; set; }
    public long WrittenAt { get; set; }
}

/// <summary>
/// An event's notification as most of its room's members got it, stored once instead of a row per member: it counts
/// for every member joined at the event (<see cref="RoomMembership.JoinedAt"/>) but its sender who has no
/// <see cref="EventPushAction"/> row of their own for it. A message in a room of 1 000 writes one row, not 999.
/// </summary>
public sealed class RoomPushAction
{
    public required string RoomId { get; set; }
    public long StreamOrdering { get; set; }
    public required string EventId { get; set; }
    public required string Sender { get; set; }
    public required string ThreadId { get; set; }
    public bool Highlight { get; set; }
    public required string Actions { get; set; }
    public long Ts { get; set; }
    public long WrittenAt { get; set; }
}

/// <summary>
/// An HTTP pusher of a local user (spec: "Pushers"), unique per app ID, pushkey and user. Tied to the
/// device that set it, so it goes when the device does (logout, device deletion). Delivery resumes
/// after <see cref="LastStreamOrdering"/>; <see cref="FailingSince"/> is set while the gateway fails.
/// </summary>
public sealed class Pusher
{
    public long Id { get; set; }
    public required string UserId { get; set; }
    public string? DeviceId { get; set; }
    public required string Kind { get; set; }
    public required string AppId { get; set; }
    public required string PushKey { get; set; }

    /// <summary>When the pushkey was set, in milliseconds.</summary>
    public long PushKeyTs { get; set; }
    public required string AppDisplayName { get; set; }
    public required string DeviceDisplayName { get; set; }
    public string? ProfileTag { get; set; }
    public required string Lang { get; set; }

    /// <summary>The data object as given (url, format and any custom keys), as JSON.</summary>
    public required string Data { get; set; }
    public long LastStreamOrdering { get; set; }
    public long? FailingSince { get; set; }
}
