using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Remote;
using Matrix.Homeserver.Storage;
using Mediator;

namespace Matrix.Homeserver.Rooms.Spaces;

/// <summary>GET /_matrix/client/v1/rooms/{roomId}/hierarchy.</summary>
public sealed record GetSpaceHierarchy(Requester Requester, string RoomId, bool SuggestedOnly, int? Limit, int? MaxDepth, string? From) : IQuery<JsonObject>;

/// <summary>
/// Walks a space tree depth first, as Synapse does: each room the user may preview is returned once
/// (children of spaces follow their parent, in the spec's child order), rooms the user may not see
/// are skipped with their subtree. Rooms this server is not in are described by the servers the
/// parent's m.space.child event names (over federation, <see cref="IRemoteRooms.GetSpaceAsync"/>) and
/// skipped when none can. Pages are positions in that walk: the token holds the position and the
/// parameters that may not change between pages, so the walk is recomputed rather than stored.
/// </summary>
public sealed class SpaceHierarchyHandler(HomeserverDbContext db, RoomSummaries summaries, SpaceChildren children, IRemoteRooms remote)
    : IQueryHandler<GetSpaceHierarchy, JsonObject>
{
    public const int MaxLimit = 50;
    public const int MaxDepthLimit = 50;
    private const string SpaceType = "m.space";

    /// <summary>A room as the walk returns it, and its children with the servers to ask about them.</summary>
    private sealed record Node(JsonObject Entry, List<(string RoomId, List<string> Via)> Children);

    public async ValueTask<JsonObject> Handle(GetSpaceHierarchy query, CancellationToken cancellationToken)
    {
        if (query.Limit is <= 0) throw MatrixException.InvalidParam("limit must be greater than zero");
        if (query.MaxDepth is < 0) throw MatrixException.InvalidParam("max_depth must not be negative");
        var limit = Math.Min(query.Limit ?? MaxLimit, MaxLimit);
        var maxDepth = Math.Min(query.MaxDepth ?? MaxDepthLimit, MaxDepthLimit);
        var skip = query.From is null ? 0 : ParseToken(query.From, query);

        var root = (await summaries.LoadAsync(db, [query.RoomId], cancellationToken)).GetValueOrDefault(query.RoomId);
        if (root is null || !await RoomPreviewAccess.CanPreviewAsync(db, root, query.Requester.UserId, cancellationToken))
        {
            throw MatrixException.Forbidden($"User {query.Requester.UserId} not in room {query.RoomId}, and room previews are disabled");
        }

        var rooms = new JsonArray();
        var seen = 0;
        var processed = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string RoomId, List<string> Via, int Depth)>();
        stack.Push((query.RoomId, [], 0));
        while (stack.Count > 0 && rooms.Count < limit)
        {
            var (roomId, via, depth) = stack.Pop();
            if (!processed.Add(roomId)) continue;
            if (await LoadAsync(roomId, via, query, cancellationToken) is not { } node) continue;
            if (depth < maxDepth)
            {
                foreach (var (childId, childVia) in Enumerable.Reverse(node.Children)) stack.Push((childId, childVia, depth + 1));
            }

            if (seen++ < skip) continue;
            rooms.Add(node.Entry);
        }

        var result = new JsonObject { ["rooms"] = rooms };
        if (stack.Any(e => !processed.Contains(e.RoomId))) result["next_batch"] = Token(skip + rooms.Count, query);
        return result;
    }

    /// <summary>The room from our state when this server is in it, else from the servers named; null when the user may not see it.</summary>
    private async Task<Node?> LoadAsync(string roomId, List<string> via, GetSpaceHierarchy query, CancellationToken cancellationToken)
    {
        var userId = query.Requester.UserId;
        if ((await summaries.LoadAsync(db, [roomId], cancellationToken)).GetValueOrDefault(roomId) is { } local)
        {
            if (!await RoomPreviewAccess.CanPreviewAsync(db, local, userId, cancellationToken)) return null;
            var childEvents = local.RoomType == SpaceType ? await children.LoadAsync(db, roomId, query.SuggestedOnly, cancellationToken) : [];
            return new Node(Entry(local, childEvents.Select(SpaceChildren.Stripped)), [.. childEvents.Select(c => (c.StateKey!, SpaceChildren.Via(c)))]);
        }

        if (via.Count == 0 || await remote.GetSpaceAsync(roomId, via, query.SuggestedOnly, cancellationToken) is not { } json) return null;
        if (RoomSummary.FromJson(json) is not { } summary || summary.RoomId != roomId || !await RoomPreviewAccess.CanPreviewAsync(db, summary, userId, cancellationToken)) return null;
        var childState = summary.RoomType == SpaceType ? SpaceChildren.FromStripped(json["children_state"] as JsonArray, query.SuggestedOnly) : [];
        var entry = Entry(summary, childState);
        // A version this server does not know is still the room's.
        if (summary.Version is null && JsonFields.String(json, "room_version") is { } version) entry["room_version"] = version;
        return new Node(entry, [.. childState.Select(c => (JsonFields.String(c, "state_key")!, JsonFields.Strings(c["content"] as JsonObject, "via")))]);
    }

    private static JsonObject Entry(RoomSummary room, IEnumerable<JsonObject> childrenState)
    {
        var entry = room.ToSummary();
        entry["children_state"] = new JsonArray([.. childrenState]);
        return entry;
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
