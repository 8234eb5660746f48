namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A receipt of a user in a room: per receipt type (m.read, m.read.private) and thread ("" for an
/// unthreaded receipt, "main" or a thread root's ID), the event read up to. Each change moves it to
/// a new stream position, so sync reads what changed between two positions.
/// </summary>
public sealed class Receipt
{
    public const string Unthreaded = "";

    public required string RoomId { get; set; }
    public required string ReceiptType { get; set; }
    public required string UserId { get; set; }
    public required string ThreadId { get; set; }
    public required string EventId { get; set; }
    public long Ts { get; set; }
    public long StreamPosition { get; set; }
}

/// <summary>
/// The last presence of a local user, written in batches from memory so that a restart keeps the
/// status message and last activity (presence itself lives in memory: it changes too often to write each time).
/// </summary>
public sealed class PresenceStatus
{
    public required string UserId { get; set; }
    public required string State { get; set; }
    public string? StatusMsg { get; set; }
    public long LastActiveTs { get; set; }
    public long LastUserSyncTs { get; set; }
}
