using System.Text.Json.Nodes;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Events.Pagination;
using Matrix.Homeserver.Events.Reading;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Events.Relations;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/threads.</summary>
public sealed record GetThreadsQuery(Requester Requester, string RoomId, bool ParticipatedOnly, RoomStreamToken? From, int Limit) : IQuery<JsonObject>;

/// <summary>
/// A room's thread roots, the thread with the most recent reply first, each with its aggregations
/// (the m.thread summary among them). A page token is the stream position of the latest reply of the
/// last root returned, so the next page holds threads whose latest reply is older.
/// </summary>
public sealed class GetThreadsHandler(HomeserverDbContext db, RoomAccess access, VisibleEventPager pager, ClientEventLoader loader)
    : IQueryHandler<GetThreadsQuery, JsonObject>
{
    public async ValueTask<JsonObject> Handle(GetThreadsQuery query, CancellationToken cancellationToken)
    {
        var reader = await access.EnsureCanReadAsync(db, query.RoomId, query.Requester.UserId, cancellationToken);
        var userId = reader.UserId;
        var threads = db.Set<EventRelation>().AsNoTracking()
            .Where(r => r.RoomId == query.RoomId && r.RelType == RelationTypes.Thread)
            .GroupBy(r => r.RelatesToId)
            .Select(g => new { RootId = g.Key, Latest = g.Max(r => r.StreamOrdering), Mine = g.Count(r => r.Sender == userId) });
        if (query.ParticipatedOnly)
        {
            var rootsSent = db.Events.Where(e => e.RoomId == query.RoomId && e.Sender == userId).Select(e => e.EventId);
            threads = threads.Where(t => t.Mine > 0 || rootsSent.Contains(t.RootId));
        }

        PageSource source = async (cursor, take, cancellationToken) =>
        {
            var rows = await threads.Where(t => t.Latest <= cursor).OrderByDescending(t => t.Latest).Take(take).ToListAsync(cancellationToken);
            return [.. rows.Select(t => new PageRow(t.RootId, query.RoomId, RoomTimeline.Resume(t.Latest, Direction.Backward)))];
        };
        var page = await pager.PageAsync(db, userId, query.From?.Position ?? long.MaxValue, query.Limit, source, _ => true, cancellationToken, reader.Memberships);

        var result = new JsonObject
        {
            ["chunk"] = new JsonArray([.. await loader.LoadAsync(db, [.. page.Events.Select(e => e.EventId)], query.Requester, cancellationToken)]),
        };
        if (page.End is { } end) result["next_batch"] = end.ToString();
        return result;
    }
}
