using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Events.Search;

/// <summary>How matches are ordered: by relevance, or newest first.</summary>
public enum SearchOrder
{
    Rank,
    Recent,
}

/// <summary>
/// One page of a full-text query over event_search. Rank order pages by <see cref="Offset"/>, recent
/// order by stream position (<see cref="Before"/>: only matches older than it).
/// </summary>
public sealed record FullTextQuery(IReadOnlyList<string> RoomIds, IReadOnlyList<string> Keys, SearchTerms Terms, SearchOrder Order, long? Before, int Offset, int Take);

/// <summary>A match: the event, its room and position, and a relevance score (higher is closer).</summary>
public readonly record struct SearchHit(string EventId, string RoomId, long StreamOrdering, double Rank);

/// <summary>The database's full-text engine behind event_search (Storage/SearchMigrations creates its index).</summary>
public interface IFullTextSearch
{
    Task<List<SearchHit>> SearchAsync(HomeserverDbContext db, FullTextQuery query, CancellationToken cancellationToken);

    /// <summary>How many events match at all (the response's approximate count).</summary>
    Task<long> CountAsync(HomeserverDbContext db, FullTextQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// The query both engines run; each supplies its match clause (with @query, @rooms and @keys), its
/// relevance expression and its parameter encoding.
/// </summary>
internal abstract class FullTextSearchEngine : IFullTextSearch
{
    protected abstract string Matches { get; }
    protected abstract string Rank { get; }

    protected abstract Dictionary<string, object> Parameters(FullTextQuery query);

    public Task<List<SearchHit>> SearchAsync(HomeserverDbContext db, FullTextQuery query, CancellationToken cancellationToken)
    {
        var order = query.Order == SearchOrder.Rank ? "rank DESC, s.stream_ordering DESC" : "s.stream_ordering DESC";
        var sql = $"""
            SELECT s.event_id, s.room_id, s.stream_ordering, {Rank} AS rank
            {Matches}{(query.Before is null ? "" : " AND s.stream_ordering < @before")}
            ORDER BY {order} LIMIT @take OFFSET @offset
            """;
        var parameters = Parameters(query);
        parameters["take"] = query.Take;
        parameters["offset"] = query.Offset;
        if (query.Before is { } before) parameters["before"] = before;
        return RawSql.QueryAsync(db, sql, parameters, Hit, cancellationToken);
    }

    public async Task<long> CountAsync(HomeserverDbContext db, FullTextQuery query, CancellationToken cancellationToken) =>
        (await RawSql.QueryAsync(db, $"SELECT COUNT(*) {Matches}", Parameters(query), r => r.GetInt64(0), cancellationToken))[0];

    private static SearchHit Hit(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2), Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture));
}

/// <summary>PostgreSQL: the generated tsvector column and its GIN index, ranked by ts_rank_cd (as Synapse).</summary>
internal sealed class PostgresFullTextSearch : FullTextSearchEngine
{
    protected override string Matches => """
        FROM event_search s CROSS JOIN to_tsquery('english', @query) AS query
        WHERE s.vector @@ query AND s.room_id = ANY(@rooms) AND s.key = ANY(@keys)
        """;

    protected override string Rank => "ts_rank_cd(s.vector, query)";

    protected override Dictionary<string, object> Parameters(FullTextQuery query) => new()
    {
        ["query"] = query.Terms.ToTsQuery(), ["rooms"] = query.RoomIds.ToArray(), ["keys"] = query.Keys.ToArray(),
    };
}

/// <summary>SQLite: the FTS5 table over event_search, ranked by bm25 (negated: FTS5 scores closer matches lower).</summary>
internal sealed class SqliteFullTextSearch : FullTextSearchEngine
{
    protected override string Matches => """
        FROM event_search_fts JOIN event_search s ON s.id = event_search_fts.rowid
        WHERE event_search_fts MATCH @query
          AND s.room_id IN (SELECT value FROM json_each(@rooms)) AND s.key IN (SELECT value FROM json_each(@keys))
        """;

    protected override string Rank => "-bm25(event_search_fts)";

    // SQLite has no array parameters: lists travel as JSON arrays read with json_each.
    protected override Dictionary<string, object> Parameters(FullTextQuery query) => new()
    {
        ["query"] = query.Terms.ToFts5Query(), ["rooms"] = JsonSerializer.Serialize(query.RoomIds), ["keys"] = JsonSerializer.Serialize(query.Keys),
    };
}
