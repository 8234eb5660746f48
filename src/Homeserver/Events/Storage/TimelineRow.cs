using Matrix.Homeserver.Events.ClientFormat;

namespace Matrix.Homeserver.Events.Storage;

/// <summary>The columns of a timeline event that sync reads without parsing the event.</summary>
public sealed record TimelineRow(string EventId, string RoomId, long Stream, string Type, string? StateKey, string Sender, long? StateGroup, string? ReplacesState,
    string? RedactedBy)
{
    /// <summary>What the client format needs of the row, read here so that formatting need not read it again.</summary>
    public EventRowLinks Links => new(RedactedBy, ReplacesState);
}
