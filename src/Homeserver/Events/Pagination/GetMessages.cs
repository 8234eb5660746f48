using System.Text.Json.Nodes;
using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Filtering;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Streams;
using Mediator;

namespace Matrix.Homeserver.Events.Pagination;

/// <summary>GET /rooms/{roomId}/messages. <paramref name="FromText"/> is echoed back as start, as the spec asks.</summary>
public sealed record GetMessagesQuery(Requester Requester, string RoomId, Direction Direction, string? FromText, RoomStreamToken? To, int Limit,
    RoomEventFilter Filter) : IQuery<JsonObject>;

/// <summary>
/// A page of a room's timeline. Without from, backwards pages start at the newest event and forwards
/// pages at the room's first; end is omitted once nothing is left in that direction.
/// </summary>
public sealed class GetMessagesHandler(HomeserverDbContext db, RoomAccess access, RoomTimeline timeline, StateAtEvent stateAt, ClientEventLoader loader,
    StreamIdGenerator streams, IRoomHistoryBackfill backfill, IgnoredUsers ignoredUsers) : IQueryHandler<GetMessagesQuery, JsonObject>
{
    /// <summary>Backfills one request may wait for (each asks up to three servers for one batch).</summary>
    private const int MaxBackfillRounds = 2;

    public async ValueTask<JsonObject> Handle(GetMessagesQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        var from = QueryParameters.ParseToken(query.FromText, "from")?.Position
            ?? (query.Direction == Direction.Backward ? streams.Current : await RoomTimeline.StartAsync(db, query.RoomId, cancellationToken));
        var limit = query.Filter.Limit is { } filterLimit ? Math.Min(query.Limit, filterLimit) : query.Limit;

        var page = await timeline.PageAsync(db, reader, query.Direction, from, query.To?.Position, limit, query.Filter, cancellationToken);
        // A backwards page that runs out before its limit may have reached the oldest event held (a room joined over
        // federation starts at the join): older history is asked of the room's other servers, then the page read again.
        for (var round = 0; round < MaxBackfillRounds && query.Direction == Direction.Backward && page.End is null && page.Events.Count < limit; round++)
        {
            if (await backfill.BackfillAsync(query.RoomId, cancellationToken) == 0) break;
            page = await timeline.PageAsync(db, reader, query.Direction, from, query.To?.Position, limit, query.Filter, cancellationToken);
        }
        // Spec "Ignoring Users": the ignored users' events but their state events are left out, as /sync leaves them out.
        var ignored = await ignoredUsers.GetAsync(db, query.Requester.UserId, cancellationToken);
        var shown = page.Events.Where(e => !IgnoredUsers.Hides(ignored, e.Sender, e.StateKey)).Select(e => e.EventId).ToList();
        var chunk = await loader.LoadAsync(db, shown, query.Requester, cancellationToken);
        var result = new JsonObject
        {
            ["chunk"] = new JsonArray([.. chunk]),
            ["start"] = query.FromText ?? new RoomStreamToken(from).ToString(),
        };
        // As Synapse: a page with events always has an end (the room's first event or the live edge may be reached, but
        // a client continues from it; forwards, new events come); only an empty page at the end of the room has none.
        if (page.End is { } end) result["end"] = end.ToString();
        else if (page.Events.Count > 0) result["end"] = page.NextToken.ToString();

        if (query.Filter.LazyLoadMembers && page.Events.Count > 0)
        {
            var state = await stateAt.GetAsync(db, page.Events[0].EventId, cancellationToken);
            var members = StateAtEvent.Select(state, page.Events.Select(e => e.Sender)).ToList();
            result["state"] = new JsonArray([.. await loader.LoadAsync(db, members, query.Requester, cancellationToken)]);
        }

        return result;
    }
}
