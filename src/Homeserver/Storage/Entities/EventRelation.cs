namespace Matrix.Homeserver.Storage.Entities;

/// <summary>
/// An event's m.relates_to (its parent, rel_type and annotation key), recorded when the event is
/// persisted and deleted when it is redacted (a redacted child no longer relates). The child's room,
/// sender, type and stream position are copied here: events never change, and the relations and
/// threads queries then read one table.
/// </summary>
public sealed class EventRelation
{
    public required string EventId { get; set; }
    public required string RelatesToId { get; set; }
    public required string RelType { get; set; }

    /// <summary>The annotation key (m.annotation's "key"), when the relation has one.</summary>
    public string? AggregationKey { get; set; }

    public required string RoomId { get; set; }
    public required string Sender { get; set; }
    public required string Type { get; set; }
    public long StreamOrdering { get; set; }
}
