using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/hierarchy.</summary>
public sealed record GetSpaceHierarchy(Requester Requester, string RoomId, bool SuggestedOnly, int? Limit, int? MaxDepth, string? From) : IQuery<JsonObject>;

/// <summary>
/// Walks a space tree depth first, as Synapse does: each room the user may preview is returned once
/// (children of spaces follow their parent, in the spec's child order), rooms the user may not see
/// are skipped with their subtree, and unknown (remote) rooms are skipped until federation can fill
/// them in. Pages are positions in that walk: the token holds the position and the parameters that
/// may not change between pages, so the walk is recomputed rather than stored.
/// </summary>
public sealed class SpaceHierarchyHandler(HomeserverDbContext db, RoomSummaries summaries, SpaceChildren children) : IQueryHandler<GetSpaceHierarchy, JsonObject>
{
    public const int MaxLimit = 50;
    public const int MaxDepthLimit = 50;
    private const string SpaceType = "m.space";

    public async ValueTask<JsonObject> Handle(GetSpaceHierarchy query, CancellationToken cancellationToken)
    {
        if (query.Limit is <= 0) throw MatrixException.InvalidParam("limit must be greater than zero");
        if (query.MaxDepth is < 0) throw MatrixException.InvalidParam("max_depth must not be negative");
        var limit = Math.Min(query.Limit ?? MaxLimit, MaxLimit);
        var maxDepth = Math.Min(query.MaxDepth ?? MaxDepthLimit, MaxDepthLimit);
        var skip = query.From is null ? 0 : ParseToken(query.From, query);
        var userId = query.Requester.UserId;

        var root = (await summaries.LoadAsync(db, [query.RoomId], cancellationToken)).GetValueOrDefault(query.RoomId);
        if (root is null || !await RoomPreviewAccess.CanPreviewAsync(db, root, userId, cancellationToken))
        {
            throw MatrixException.Forbidden($"User {userId} not in room {query.RoomId}, and room previews are disabled");
        }

        var rooms = new JsonArray();
        var seen = 0;
        var processed = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string RoomId, int Depth)>();
        stack.Push((query.RoomId, 0));
        while (stack.Count > 0 && rooms.Count < limit)
        {
            var (roomId, depth) = stack.Pop();
            if (!processed.Add(roomId)) continue;
            var room = (await summaries.LoadAsync(db, [roomId], cancellationToken)).GetValueOrDefault(roomId);
            if (room is null || !await RoomPreviewAccess.CanPreviewAsync(db, room, userId, cancellationToken)) continue;

            var childEvents = room.RoomType == SpaceType ? await children.LoadAsync(db, roomId, query.SuggestedOnly, cancellationToken) : [];
            if (depth < maxDepth)
            {
                foreach (var child in Enumerable.Reverse(childEvents)) stack.Push((child.StateKey!, depth + 1));
            }

            if (seen++ < skip) continue;
            var entry = room.ToSummary();
            entry["children_state"] = new JsonArray([.. childEvents.Select(SpaceChildren.Stripped)]);
            rooms.Add(entry);
        }

        var result = new JsonObject { ["rooms"] = rooms };
        if (stack.Any(e => !processed.Contains(e.RoomId))) result["next_batch"] = Token(skip + rooms.Count, query);
        return result;
    }

    private static string Token(int position, GetSpaceHierarchy query) =>
        string.Create(CultureInfo.InvariantCulture, $"{position}_{(query.SuggestedOnly ? 1 : 0)}_{query.MaxDepth?.ToString(CultureInfo.InvariantCulture) ?? "n"}");

    /// <summary>The position in the walk; 400 when the token is not ours or suggested_only/max_depth changed.</summary>
    private static int ParseToken(string from, GetSpaceHierarchy query)
    {
        var position = from.Split('_')[0];
        if (int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var skip) && Token(skip, query) == from) return skip;
        throw MatrixException.InvalidParam("Unknown pagination token, or suggested_only and max_depth changed during pagination");
    }
}
