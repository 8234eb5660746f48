using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.State;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Search;

/// <summary>POST /search (the room_events category; the spec defines no other).</summary>
public sealed record SearchQuery(Requester Requester, SearchBody Body, string? NextBatch) : IQuery<JsonObject>;

/// <summary>
/// Full-text search over the rooms the user is in or has left (spec "Server Side Search"), results
/// filtered by the request's filter and by history visibility (a departed user finds nothing after
/// their leave), each with its aggregations and optional context. Pages continue with next_batch.
/// </summary>
public sealed class SearchHandler(HomeserverDbContext db, IFullTextSearch search, VisibleEventPager pager, SearchEventContextLoader contexts,
    StateAtEvent stateAt, RoomStateReader roomState, ClientEventLoader loader, SearchIndexer indexer) : IQueryHandler<SearchQuery, JsonObject>
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    public async ValueTask<JsonObject> Handle(SearchQuery query, CancellationToken cancellationToken)
    {
        var categories = new JsonObject();
        if (query.Body.SearchCategories?.RoomEvents is { } criteria)
        {
            categories["room_events"] = await SearchRoomEventsAsync(query.Requester, criteria, query.NextBatch, cancellationToken);
        }

        return new JsonObject { ["search_categories"] = categories };
    }

    private async Task<JsonObject> SearchRoomEventsAsync(Requester requester, RoomEventsCriteria criteria, string? nextBatch, CancellationToken cancellationToken)
    {
        // Text queued by sends just before (PostgreSQL) is written first: a client finds the message it has just sent.
        await indexer.FlushAsync(cancellationToken);
        var filter = RoomEventFilter.FromJson(criteria.Filter ?? []);
        var order = criteria.OrderBy == "recent" ? SearchOrder.Recent : SearchOrder.Rank;
        var from = SearchBatchToken.Parse(nextBatch, order)?.Value ?? (order == SearchOrder.Rank ? 0 : long.MaxValue);
        var terms = SearchTerms.Parse(criteria.SearchTerm!);
        var readers = await ReadableRoomsAsync(requester.UserId, filter, cancellationToken);
        var keys = criteria.Keys is { Count: > 0 } given ? given.Distinct().ToList() : [.. SearchRows.AllKeys];
        var limit = Math.Min(filter.Limit ?? DefaultLimit, MaxLimit);

        var result = new JsonObject { ["highlights"] = new JsonArray([.. terms.Words.Select(w => (JsonNode)w)]) };
        if (terms.IsEmpty || readers.Count == 0)
        {
            result["count"] = 0;
            result["results"] = new JsonArray();
            return result;
        }

        var rooms = readers.Keys.ToList();
        var hits = new Dictionary<string, SearchHit>(StringComparer.Ordinal);
        PageSource source = async (cursor, take, ct) =>
        {
            var found = await search.SearchAsync(db, new FullTextQuery(rooms, keys, terms, order, order == SearchOrder.Recent ? cursor : null,
                order == SearchOrder.Rank ? (int)Math.Min(cursor, int.MaxValue) : 0, take), ct);
            foreach (var hit in found) hits[hit.EventId] = hit;
            return [.. found.Select((h, i) => new PageRow(h.EventId, h.RoomId, order == SearchOrder.Rank ? cursor + i + 1 : h.StreamOrdering))];
        };
        var page = await pager.PageAsync(db, requester.UserId, from, limit, source, filter.Matches, cancellationToken,
            readers.ToDictionary(r => r.Key, r => r.Value.Reader.Membership, StringComparer.Ordinal));

        result["count"] = await search.CountAsync(db, new FullTextQuery(rooms, keys, terms, order, null, 0, 0), cancellationToken);
        result["results"] = await ResultsAsync(page.Events, hits, readers, criteria.EventContext, filter, requester, cancellationToken);
        if (criteria.IncludeState == true) result["state"] = await StateAsync(page.Events, readers, requester, cancellationToken);
        if (criteria.Groupings?.GroupBy is { Count: > 0 } groupBy) result["groups"] = Groups(page.Events, groupBy);
        if (!page.Exhausted) result["next_batch"] = new SearchBatchToken(order, page.Next).ToString();
        return result;
    }

    /// <summary>Rooms the user is in, or left or was banned from, that the filter allows, with how far each may be read.</summary>
    private async Task<Dictionary<string, (RoomReader Reader, string MembershipEventId)>> ReadableRoomsAsync(string userId, RoomEventFilter filter,
        CancellationToken cancellationToken)
    {
        var memberships = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && (m.Membership == Memberships.Join || m.Membership == Memberships.Leave || m.Membership == Memberships.Ban))
            .Select(m => new { m.RoomId, m.Membership, m.StreamOrdering, m.EventId })
            .ToListAsync(cancellationToken);
        return memberships.Where(m => filter.MatchesRoom(m.RoomId)).ToDictionary(
            m => m.RoomId,
            m => (new RoomReader(m.RoomId, userId, m.Membership == Memberships.Join ? null : m.StreamOrdering, m.Membership), m.EventId),
            StringComparer.Ordinal);
    }

    private async Task<JsonArray> ResultsAsync(IReadOnlyList<Pdu> events, Dictionary<string, SearchHit> hits,
        Dictionary<string, (RoomReader Reader, string MembershipEventId)> readers, SearchEventContext? contextOptions, RoomEventFilter filter,
        Requester requester, CancellationToken cancellationToken)
    {
        var formatted = await loader.LoadAsync(db, [.. events.Select(e => e.EventId)], requester, cancellationToken);
        var results = new JsonArray();
        for (var i = 0; i < events.Count; i++)
        {
            var hit = hits[events[i].EventId];
            var item = new JsonObject { ["rank"] = hit.Rank, ["result"] = formatted[i] };
            if (contextOptions is not null)
            {
                item["context"] = await contexts.LoadAsync(db, readers[hit.RoomId].Reader, events[i], hit.StreamOrdering, contextOptions, filter, requester,
                    cancellationToken);
            }

            results.Add(item);
        }

        return results;
    }

    /// <summary>The state of each room with results: current for rooms the user is in, as at their leave for the others.</summary>
    private async Task<JsonObject> StateAsync(IReadOnlyList<Pdu> events, Dictionary<string, (RoomReader Reader, string MembershipEventId)> readers,
        Requester requester, CancellationToken cancellationToken)
    {
        var state = new JsonObject();
        foreach (var roomId in events.Select(e => e.RoomId).Distinct())
        {
            var (reader, membershipEventId) = readers[roomId];
            var ids = reader.LeftAt is null
                ? (await roomState.GetCurrentStateIdsAsync(db, roomId, cancellationToken)).Values.ToList()
                : (await stateAt.GetAsync(db, membershipEventId, cancellationToken)).Values.ToList();
            state[roomId] = new JsonArray([.. await loader.LoadAsync(db, ids, requester, cancellationToken)]);
        }

        return state;
    }

    /// <summary>Results partitioned by room_id or sender; order says which group's first result ranks first.</summary>
    private static JsonObject Groups(IReadOnlyList<Pdu> events, IReadOnlyList<SearchGroupBy> groupBy)
    {
        var groups = new JsonObject();
        foreach (var key in groupBy.Select(g => g.Key!).Distinct())
        {
            var byValue = new JsonObject();
            foreach (var (pdu, index) in events.Select((e, i) => (e, i)))
            {
                var value = key == "room_id" ? pdu.RoomId : pdu.Sender;
                if (byValue[value] is not JsonObject group)
                {
                    group = new JsonObject { ["results"] = new JsonArray(), ["order"] = index + 1 };
                    byValue[value] = group;
                }

                group["results"]!.AsArray().Add(pdu.EventId);
            }

            groups[key] = byValue;
        }

        return groups;
    }
}
