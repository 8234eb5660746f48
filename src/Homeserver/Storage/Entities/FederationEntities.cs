namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// How we answered a transaction another server sent us, so that a retry of it (same origin and transaction ID)
/// gets the same answer and processes nothing twice. Rows are forgotten after a day, as Synapse does.
/// </summary>
public sealed class ReceivedTransaction
{
    public required string Origin { get; set; }
    public required string TxnId { get; set; }
    public required string ResponseJson { get; set; }
    public long ReceivedTs { get; set; }
}

/// <summary>
/// One item waiting to be sent to a destination: a PDU (by event ID) or an EDU. Items are sent in ID order and
/// deleted once the destination accepted the transaction holding them. <see cref="TxnId"/> is set when an item
/// joins a transaction, so a retry resends exactly that transaction under the same ID.
/// </summary>
public sealed class OutboundFederationItem
{
    public long Id { get; set; }
    public required string Destination { get; set; }

    /// <summary>The PDU to send, read from the events table when the transaction is built.</summary>
    public string? EventId { get; set; }

    public string? EduType { get; set; }

    /// <summary>The EDU's content as JSON.</summary>
    public string? EduContent { get; set; }

    /// <summary>A newer EDU with the same type and key replaces a queued one (typing, presence).</summary>
    public string? CoalescingKey { get; set; }

    public string? TxnId { get; set; }
    public long CreatedTs { get; set; }
}

/// <summary>What we know of a destination we send to: its transaction counter and retry timings.</summary>
public sealed class FederationDestination
{
    public required string Destination { get; set; }

    /// <summary>The ID of the next new transaction; starts at the time the row is made, so IDs stay unique if the table is ever lost.</summary>
    public long NextTxnId { get; set; }

    /// <summary>When the last failed attempt was made (ms); 0 when the destination is healthy.</summary>
    public long RetryLastTs { get; set; }

    /// <summary>How long to wait after <see cref="RetryLastTs"/> before the next attempt (ms); 0 when healthy.</summary>
    public long RetryIntervalMs { get; set; }
}
