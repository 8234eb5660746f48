using System.Text;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>
/// The children of a parent event, read in stream order with a recursive query: direct children at
/// depth 1 and, when recursing, their children down to <see cref="MaxDepth"/>. The rel_type and type
/// filters apply at every level, so an event reached only through a non-matching one is left out
/// (spec "Relationships API"). The depth bound also ends any cycle of relations.
/// </summary>
public static class RelationsSource
{
    /// <summary>How deep recursion goes (the spec asks for at least 3).</summary>
    public const int MaxDepth = 3;

    public static PageSource Create(HomeserverDbContext db, string roomId, string parentId, string? relType, string? eventType, int depth,
        Direction direction, long? to)
    {
        var filters = new StringBuilder();
        if (relType is not null) filters.Append(" AND r.rel_type = @rel_type");
        if (eventType is not null) filters.Append(" AND r.type = @type");
        var window = direction == Direction.Backward ? "rel.stream_ordering <= @cursor" : "rel.stream_ordering > @cursor";
        if (to is not null) window += direction == Direction.Backward ? " AND rel.stream_ordering > @to" : " AND rel.stream_ordering <= @to";
        var order = direction == Direction.Backward ? "DESC" : "ASC";
        var sql = $"""
            WITH RECURSIVE related(event_id, depth) AS (
                SELECT r.event_id, 1 FROM event_relations r WHERE r.relates_to_id = @parent AND r.room_id = @room{filters}
                UNION
                SELECT r.event_id, related.depth + 1 FROM event_relations r JOIN related ON r.relates_to_id = related.event_id
                WHERE related.depth < @depth AND r.room_id = @room{filters}
            )
            SELECT DISTINCT rel.event_id, rel.stream_ordering FROM related JOIN event_relations rel ON rel.event_id = related.event_id
            WHERE {window}
            ORDER BY rel.stream_ordering {order}
            LIMIT @take
            """;

        return (cursor, take, cancellationToken) =>
        {
            var parameters = new Dictionary<string, object>
            {
                ["parent"] = parentId, ["room"] = roomId, ["depth"] = depth, ["cursor"] = cursor, ["take"] = take,
            };
            if (relType is not null) parameters["rel_type"] = relType;
            if (eventType is not null) parameters["type"] = eventType;
            if (to is { } bound) parameters["to"] = bound;
            return RawSql.QueryAsync(db, sql, parameters, r => new PageRow(r.GetString(0), roomId, RoomTimeline.Resume(r.GetInt64(1), direction)), cancellationToken);
        };
    }
}
