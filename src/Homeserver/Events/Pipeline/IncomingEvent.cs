using Matrix.Federation.Events;
using Matrix.Federation.Rooms;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>A PDU from another server whose format, hashes and signatures were already checked.</summary>
public sealed record IncomingEvent(Pdu Pdu)
{
    /// <summary>
    /// The state before the event, when its prev events are not all stored with state (a gap filled
    /// from /state_ids, or the state a send_join answer gave). Null: computed from the prev events.
    /// </summary>
    public IReadOnlyDictionary<StateKey, string>? StateBefore { get; init; }

    /// <summary>Stored for reference only (auth chains, state of a join): no timeline, no state change.</summary>
    public bool Outlier { get; init; }

    /// <summary>Older history fetched by backfill: placed before the timeline, changes no current state.</summary>
    public bool Backfilled { get; init; }

    /// <summary>
    /// An event this server built that another server had to sign first (an invite of its user): once persisted,
    /// listeners treat it as local, so the federation sender sends it to the room.
    /// </summary>
    public bool BuiltHere { get; init; }

    /// <summary>
    /// The room's Policy Server when it uses one (the caller asked it for a signature the event lacked): an event without
    /// its valid signature is soft failed (spec v1.18). Null: no Policy Server check.
    /// </summary>
    public Matrix.Federation.Policy.PolicyServer? PolicyServer { get; init; }

    /// <summary>For a backfilled event: its stream position, from RoomEventWriter.ReserveBackfillPositionsAsync. Null: the next one down.</summary>
    public long? BackfillPosition { get; init; }
}

public enum IncomingOutcome
{
    Accepted,
    /// <summary>Valid by its own auth events and the state before it, but not by the room's current state: kept, never shown.</summary>
    SoftFailed,
    Rejected,
    AlreadyKnown,
}

public sealed record IncomingResult(string EventId, IncomingOutcome Outcome, string? Reason = null)
{
    public bool IsRejected => Outcome == IncomingOutcome.Rejected;
}
