namespace Matrix.Homeserver.Storage.Entities;

/// <summary>A room an admin blocked: local users may not join it (admin API, block or delete with block).</summary>
public sealed class BlockedRoom
{
    public required string RoomId { get; set; }

    /// <summary>The admin who blocked it.</summary>
    public required string BlockedBy { get; set; }
    public long BlockedTs { get; set; }
}
