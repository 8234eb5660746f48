namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// A queued delivery to an application service: an event (by ID, read when the transaction is built) or an ephemeral
/// event (typing, receipt, presence; stored whole). Items leave the queue when the AS accepted the transaction
/// holding them; a formed transaction keeps its ID, so a retry sends the same transaction.
/// </summary>
public sealed class AppServiceOutboxItem
{
    public long Id { get; set; }
    public required string AppServiceId { get; set; }
    public string? EventId { get; set; }

    /// <summary>An ephemeral event in client format (JSON), when this item is one.</summary>
    public string? Ephemeral { get; set; }

    /// <summary>The transaction the item was put in, once formed.</summary>
    public string? TxnId { get; set; }

    public long CreatedTs { get; set; }
}

/// <summary>An application service's transaction counter and retry timings, kept across restarts.</summary>
public sealed class AppServiceState
{
    public required string AppServiceId { get; set; }
    public long NextTxnId { get; set; }
    public long RetryLastTs { get; set; }
    public long RetryIntervalMs { get; set; }
}

/// <summary>A room an AS published in its third-party network's room directory (PUT /directory/list/appservice/…).</summary>
public sealed class AppServiceRoomListEntry
{
    public required string AppServiceId { get; set; }
    public required string NetworkId { get; set; }
    public required string RoomId { get; set; }
}
