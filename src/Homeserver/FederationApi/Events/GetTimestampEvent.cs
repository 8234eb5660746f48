using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Events;

/// <summary>GET /_matrix/federation/v1/timestamp_to_event/{roomId}?ts&amp;dir.</summary>
public sealed record GetTimestampEventQuery(string Origin, string RoomId, long Timestamp, bool Forward) : IQuery<JsonObject>;

/// <summary>
/// The timeline event closest to a time, at or after it (f) or at or before it (b), from our database only (as
/// Synapse); ties go to stream order. 404 M_NOT_FOUND when there is none.
/// </summary>
public sealed class GetTimestampEventHandler(HomeserverDbContext db, ServerRoomAccess access) : IQueryHandler<GetTimestampEventQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetTimestampEventQuery query, CancellationToken cancellationToken)
    {
        await access.EnsureCanReadAsync(db, query.RoomId, query.Origin, cancellationToken);
        var timeline = db.Events.AsNoTracking().Where(e => e.RoomId == query.RoomId && e.StreamOrdering != null && e.RejectedReason == null && !e.SoftFailed);
        var closest = query.Forward
            ? timeline.Where(e => e.OriginServerTs >= query.Timestamp).OrderBy(e => e.OriginServerTs).ThenBy(e => e.StreamOrdering)
            : timeline.Where(e => e.OriginServerTs <= query.Timestamp).OrderByDescending(e => e.OriginServerTs).ThenByDescending(e => e.StreamOrdering);
        var found = await closest.Select(e => new { e.EventId, e.OriginServerTs }).FirstOrDefaultAsync(cancellationToken)
            ?? throw MatrixException.NotFound($"Unable to find event from {query.Timestamp} in {(query.Forward ? "forward" : "backward")} direction");
        return new JsonObject { ["event_id"] = found.EventId, ["origin_server_ts"] = found.OriginServerTs };
    }
}
