using Matrix.Federation.Events;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Events.Search;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Pipeline;

/// <summary>
/// The tables derived from an event's content (relations, search text): written in the transaction
/// that persists a timeline event, and emptied of an event when a redaction removes its content.
/// </summary>
internal static class EventIndexes
{
    public static void Add(HomeserverDbContext db, Pdu pdu, long streamOrdering)
    {
        RelationRows.Add(db, pdu, streamOrdering);
        SearchRows.Add(db, pdu, streamOrdering);
    }

    public static async Task RemoveAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken)
    {
        await RelationRows.RemoveAsync(db, eventId, cancellationToken);
        await SearchRows.RemoveAsync(db, eventId, cancellationToken);
    }
}
