using Matrix.Crypto;

namespace Matrix.Federation.Events;

/// <summary>Each way a received PDU can fail the event format of its room version.</summary>
public enum PduValidationError
{
    /// <summary>Not JSON, or not canonical JSON for the version (see <see cref="PduValidationException.JsonError"/>).</summary>
    InvalidJson,
    /// <summary>The canonical encoding is over 65 536 bytes.</summary>
    TooLarge,
    /// <summary>A required key is absent.</summary>
    MissingKey,
    /// <summary>A key holds the wrong JSON type.</summary>
    WrongType,
    /// <summary>sender, room_id, event_id or a referenced event ID breaks the identifier grammar.</summary>
    InvalidIdentifier,
    /// <summary>sender, room_id, state_key, type or event_id is over 255 bytes (or code points).</summary>
    FieldTooLong,
    /// <summary>depth is outside [0, 2^53-1].</summary>
    InvalidDepth,
    /// <summary>More than 20 prev_events.</summary>
    TooManyPrevEvents,
    /// <summary>More than 10 auth_events.</summary>
    TooManyAuthEvents,
    /// <summary>v12: the create event carries a room_id (its room ID is derived from its event ID).</summary>
    CreateEventHasRoomId,
    /// <summary>v12: auth_events lists the create event, which the room ID already implies.</summary>
    AuthEventsListCreateEvent,
}

/// <summary>A PDU that is not a valid event of its room version; it must be dropped, unless <see cref="RejectedEvent"/> is set.</summary>
public sealed class PduValidationException : Exception
{
    public PduValidationException(PduValidationError error, string? key, string message, Exception? inner = null)
        : base(key is null ? message : $"{key}: {message}", inner)
    {
        Error = error;
        Key = key;
    }

    public PduValidationError Error { get; }

    /// <summary>The top-level key at fault, when there is one.</summary>
    public string? Key { get; }

    /// <summary>For <see cref="PduValidationError.InvalidJson"/>, what was wrong with the JSON.</summary>
    public CanonicalJsonError? JsonError => (InnerException as CanonicalJsonException)?.Error;

    /// <summary>
    /// Set when the event breaks only a limit that older Synapse versions did not enforce (byte lengths before
    /// v11): it must be kept as a rejected event rather than dropped, so rooms that hold it still resolve.
    /// </summary>
    public Pdu? RejectedEvent { get; init; }
}
