namespace Matrix.Homeserver.Storage.Entities;

/// <summary>A room this server knows, with its version and directory visibility.</summary>
public sealed class Room
{
    public required string RoomId { get; set; }
    public required string RoomVersion { get; set; }
    public string? Creator { get; set; }
    public bool IsPublic { get; set; }
    public long CreatedTs { get; set; }

    /// <summary>The state group of the room's current state (the resolved state of its forward extremities).</summary>
    public long? CurrentStateGroup { get; set; }
}

/// <summary>
/// One PDU. Events in the timeline have a stream ordering (backfilled ones a negative one);
/// outliers (auth events fetched over federation) have none.
/// </summary>
public sealed class Event
{
    /// <summary>Short numeric ID used by state groups and edges instead of the long event ID.</summary>
    public long Nid { get; set; }
    public required string EventId { get; set; }
    public required string RoomId { get; set; }
    public required string Type { get; set; }
    public string? StateKey { get; set; }
    public required string Sender { get; set; }
    public long OriginServerTs { get; set; }
    public long Depth { get; set; }
    public long? StreamOrdering { get; set; }

    /// <summary>The PDU as canonical JSON, exactly as signed (never the redacted copy).</summary>
    public required string Json { get; set; }
    public bool Outlier { get; set; }

    /// <summary>Why the event was rejected by the auth rules, or null when accepted.</summary>
    public string? RejectedReason { get; set; }
    public bool SoftFailed { get; set; }

    /// <summary>For m.room.redaction: the event it redacts (so a target arriving later finds it).</summary>
    public string? Redacts { get; set; }

    /// <summary>The accepted redaction that applies to this event, if any.</summary>
    public string? RedactedBy { get; set; }

    /// <summary>The state group holding the room state after this event.</summary>
    public long? StateGroup { get; set; }

    /// <summary>For a state event: the event it replaced in the state (clients get its content as prev_content).</summary>
    public string? ReplacesState { get; set; }
}

/// <summary>A prev_events edge of the room DAG.</summary>
public sealed class EventEdge
{
    public long EventNid { get; set; }
    public required string PrevEventId { get; set; }
}

/// <summary>An auth_events edge.</summary>
public sealed class EventAuthEdge
{
    public long EventNid { get; set; }
    public required string AuthEventId { get; set; }
}

/// <summary>The events of a room that no other event yet points to (the next event's prev_events).</summary>
public sealed class ForwardExtremity
{
    public required string RoomId { get; set; }
    public required string EventId { get; set; }
}

/// <summary>
/// A snapshot of room state stored as a delta over its parent, so that a 10 000-member room does not
/// copy every member row for each event. Chains are bounded by <see cref="ChainLength"/>.
/// </summary>
public sealed class StateGroup
{
    public long Id { get; set; }
    public required string RoomId { get; set; }
    public long? ParentId { get; set; }
    public int ChainLength { get; set; }
}

/// <summary>One entry of a state group's delta. A null event means the key is removed.</summary>
public sealed class StateGroupEntry
{
    public long StateGroupId { get; set; }
    public required string Type { get; set; }
    public required string StateKey { get; set; }
    public long? EventNid { get; set; }
}

/// <summary>The room's current state, materialized for fast reads.</summary>
public sealed class CurrentStateEntry
{
    public required string RoomId { get; set; }
    public required string Type { get; set; }
    public required string StateKey { get; set; }
    public long EventNid { get; set; }
    public required string EventId { get; set; }
}

/// <summary>
/// The current membership of each user in each room (local and remote users), from current state,
/// with the stream position at which it took effect: sync and membership queries read this.
/// </summary>
public sealed class RoomMembership
{
    public required string RoomId { get; set; }
    public required string UserId { get; set; }
    public required string Membership { get; set; }
    public required string EventId { get; set; }
    public required string Sender { get; set; }
    public long StreamOrdering { get; set; }

    /// <summary>
    /// Where the current join began (a profile change, join to join, keeps it); 0 when not joined. A room's shared
    /// notifications count for the members joined at them (<see cref="RoomPushAction"/>).
    /// </summary>
    public long JoinedAt { get; set; }
    public string? DisplayName { get; set; }
    public string? AvatarUrl { get; set; }

    /// <summary>Set when a local user forgets a room they left.</summary>
    public bool Forgotten { get; set; }
}

/// <summary>Idempotency of client sends: (user, device, txn id) maps to the event it produced.</summary>
public sealed class EventTransaction
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string TxnId { get; set; }
    public required string Path { get; set; }
    public required string EventId { get; set; }
    public long CreatedTs { get; set; }
}

/// <summary>A named stream's last persisted position (restored into the in-process allocator at start).</summary>
public sealed class StreamPosition
{
    public required string Stream { get; set; }
    public long Position { get; set; }
}
