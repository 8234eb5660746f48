using Matrix.Federation.Events;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>Writes and removes an event's relation row inside the persisting transaction.</summary>
internal static class RelationRows
{
    public static void Add(HomeserverDbContext db, Pdu pdu, long streamOrdering)
    {
        if (RelatesTo.From(pdu.Content) is not { } relation) return;
        db.Set<EventRelation>().Add(new EventRelation
        {
            EventId = pdu.EventId,
            RelatesToId = relation.EventId,
            RelType = relation.RelType,
            AggregationKey = relation.Key,
            RoomId = pdu.RoomId,
            Sender = pdu.Sender,
            Type = pdu.Type,
            StreamOrdering = streamOrdering,
        });
    }

    /// <summary>A redacted child no longer relates to its parent (its content, m.relates_to included, is gone).</summary>
    public static Task RemoveAsync(HomeserverDbContext db, string eventId, CancellationToken cancellationToken) =>
        db.Set<EventRelation>().Where(r => r.EventId == eventId).ExecuteDeleteAsync(cancellationToken);
}
