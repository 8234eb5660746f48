namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A user's report of an event, a room or a user to this server's admins. Exactly the reported thing's
/// IDs are set: room + event, room alone, or target user alone.
/// </summary>
public sealed class ContentReport
{
    public long Id { get; set; }
    public required string Reporter { get; set; }
    public string? RoomId { get; set; }
    public string? EventId { get; set; }
    public string? TargetUserId { get; set; }
    public string? Reason { get; set; }
    public long ReceivedTs { get; set; }
}
