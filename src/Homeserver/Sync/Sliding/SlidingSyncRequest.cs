namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>
/// The body of a simplified sliding sync request (MSC4186): lists of the user's rooms cut to ranges,
/// rooms the client subscribes to by ID, and extensions. Names bind snake_case (JsonBody).
/// </summary>
public sealed record SlidingSyncRequest
{
    /// <summary>Names the connection: a client may run several (Element X: room list, encryption).</summary>
    public string? ConnId { get; init; }
    public Dictionary<string, SlidingListRequest>? Lists { get; init; }
    public Dictionary<string, RoomParameters>? RoomSubscriptions { get; init; }
    public ExtensionsRequest? Extensions { get; init; }
}

/// <summary>What the client wants of each room: state entries [type, state_key] and the newest events.</summary>
public record RoomParameters
{
    public List<List<string>>? RequiredState { get; init; }
    public int TimelineLimit { get; init; }
}

public sealed record SlidingListRequest : RoomParameters
{
    /// <summary>Inclusive [start, end] windows into the sorted list; absent: the whole list.</summary>
    public List<List<long>>? Ranges { get; init; }
    public SlidingListFilters? Filters { get; init; }
}

/// <summary>List filters; an absent one does not restrict.</summary>
public sealed record SlidingListFilters
{
    public bool? IsDm { get; init; }
    public List<string>? Spaces { get; init; }
    public bool? IsEncrypted { get; init; }
    public bool? IsInvite { get; init; }

    /// <summary>Create event types; null in the list stands for rooms without a type.</summary>
    public List<string?>? RoomTypes { get; init; }
    public List<string?>? NotRoomTypes { get; init; }
}

public sealed record ExtensionsRequest
{
    public ToDeviceRequest? ToDevice { get; init; }
    public ExtensionToggle? E2ee { get; init; }
    public RoomExtensionRequest? AccountData { get; init; }
    public RoomExtensionRequest? Receipts { get; init; }
    public RoomExtensionRequest? Typing { get; init; }
}

public record ExtensionToggle
{
    public bool? Enabled { get; init; }
}

public sealed record ToDeviceRequest : ExtensionToggle
{
    /// <summary>The next_batch of the previous answer: messages up to it are acknowledged.</summary>
    public string? Since { get; init; }
    public int? Limit { get; init; }
}

/// <summary>An extension about rooms: which lists' rooms and which subscribed rooms ("*": all of them; absent: all).</summary>
public sealed record RoomExtensionRequest : ExtensionToggle
{
    public List<string>? Lists { get; init; }
    public List<string>? Rooms { get; init; }
}
