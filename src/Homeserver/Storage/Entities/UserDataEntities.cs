namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// One account data event of a user: global (RoomId empty) or for one room. Each write moves it to a
/// new stream position, so sync reads what changed between two positions.
/// </summary>
public sealed class AccountDataEntry
{
    /// <summary>RoomId of global account data.</summary>
    public const string Global = "";

    public required string UserId { get; set; }
    public required string RoomId { get; set; }
    public required string Type { get; set; }

    /// <summary>The event content as JSON text.</summary>
    public required string Content { get; set; }
    public long StreamPosition { get; set; }
}

/// <summary>A stored sync filter. IDs count up per user; an identical filter is stored once.</summary>
public sealed class UserFilter
{
    public required string UserId { get; set; }
    public long FilterId { get; set; }
    public required string Json { get; set; }

    /// <summary>SHA-256 of <see cref="Json"/>, to find an identical filter without comparing text.</summary>
    public required byte[] JsonHash { get; set; }
}
