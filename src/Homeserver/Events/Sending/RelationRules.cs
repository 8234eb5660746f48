using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.Relations;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Sending;

/// <summary>
/// Checks a local event's relation before it is sent (as Synapse's event creation does): the parent
/// is in the same room (or is already the parent of other events, so the client can know of it), an
/// annotation has a key and is not a duplicate (400 M_DUPLICATE_ANNOTATION), and a thread does not
/// start from an event that itself relates to another (400 M_UNKNOWN, spec "Validation of m.thread").
/// </summary>
public static class RelationRules
{
    public const string DuplicateAnnotation = "M_DUPLICATE_ANNOTATION";

    /// <summary>Synapse's bound on annotation keys.</summary>
    public const int MaxAnnotationKeyLength = 500;

    public static async Task CheckAsync(HomeserverDbContext db, string roomId, string sender, string type, JsonObject content, CancellationToken cancellationToken)
    {
        if (RelatesTo.From(content) is not { } relation) return;
        var relations = db.Set<EventRelation>().AsNoTracking();

        var parentRoom = await db.Events.AsNoTracking().Where(e => e.EventId == relation.EventId).Select(e => e.RoomId).FirstOrDefaultAsync(cancellationToken);
        if (parentRoom is null)
        {
            if (!await relations.AnyAsync(r => r.RelatesToId == relation.EventId && r.RoomId == roomId, cancellationToken))
            {
                throw new MatrixException(400, ErrorCodes.Unknown, "Can't send relation to unknown event");
            }
        }
        else if (parentRoom != roomId)
        {
            throw new MatrixException(400, ErrorCodes.Unknown, "Relations must be in the same room");
        }

        switch (relation.RelType)
        {
            case RelationTypes.Annotation:
                if (relation.Key is null) throw new MatrixException(400, ErrorCodes.Unknown, "Missing aggregation key");
                if (relation.Key.Length > MaxAnnotationKeyLength) throw new MatrixException(400, ErrorCodes.Unknown, "Aggregation key is too long");
                // Redacted annotations have no relation row left, so they do not count.
                if (await relations.AnyAsync(r => r.RelatesToId == relation.EventId && r.RelType == RelationTypes.Annotation
                        && r.Type == type && r.Sender == sender && r.AggregationKey == relation.Key, cancellationToken))
                {
                    throw new MatrixException(400, DuplicateAnnotation, "Can't send same reaction twice");
                }

                break;
            case RelationTypes.Thread:
                if (await relations.AnyAsync(r => r.EventId == relation.EventId, cancellationToken))
                {
                    throw new MatrixException(400, ErrorCodes.Unknown, "Cannot start threads from an event with a relation");
                }

                break;
        }
    }
}
