using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Events;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Spaces;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.FederationApi.Queries;

/// <summary>GET /_matrix/federation/v1/hierarchy/{roomId}: one of our rooms (usually a space) and its children we know.</summary>
public sealed record GetServerHierarchy(string Origin, string RoomId, bool SuggestedOnly) : IQuery<JsonObject>;

/// <summary>
/// A space as another server may see it, as Synapse answers: the room's summary with its m.space.child events, the
/// summaries of the children we know and the server may see, and the IDs of those it may not. A room is visible to
/// a server when it is public, knockable or world-readable, when a user of that server is joined to it, or when it
/// is restricted and a user of that server is joined to an allowed room. Unknown or invisible rooms: 404.
/// </summary>
public sealed class ServerHierarchyHandler(HomeserverDbContext db, RoomSummaries summaries, SpaceChildren children, RoomServers servers)
    : IQueryHandler<GetServerHierarchy, JsonObject>
{
    private const string SpaceType = "m.space";

    public async ValueTask<JsonObject> Handle(GetServerHierarchy query, CancellationToken cancellationToken)
    {
        var root = (await summaries.LoadAsync(db, [query.RoomId], cancellationToken)).GetValueOrDefault(query.RoomId);
        if (root is null || !await IsVisibleAsync(root, query.Origin, cancellationToken)) throw MatrixException.NotFound("Unknown room");

        var childEvents = root.RoomType == SpaceType ? await children.LoadAsync(db, root.RoomId, query.SuggestedOnly, cancellationToken) : [];
        var known = await summaries.LoadAsync(db, [.. childEvents.Select(c => c.StateKey!)], cancellationToken);
        var visible = new JsonArray();
        var inaccessible = new JsonArray();
        foreach (var child in known.Values)
        {
            if (!await IsVisibleAsync(child, query.Origin, cancellationToken))
            {
                inaccessible.Add(child.RoomId);
                continue;
            }

            var grandchildren = child.RoomType == SpaceType ? await children.LoadAsync(db, child.RoomId, query.SuggestedOnly, cancellationToken) : [];
            visible.Add(WithChildren(child, grandchildren));
        }

        return new JsonObject { ["room"] = WithChildren(root, childEvents), ["children"] = visible, ["inaccessible_children"] = inaccessible };
    }

    private static JsonObject WithChildren(RoomSummary room, List<Pdu> childEvents)
    {
        var summary = room.ToSummary();
        summary["children_state"] = new JsonArray([.. childEvents.Select(SpaceChildren.Stripped)]);
        return summary;
    }

    private async Task<bool> IsVisibleAsync(RoomSummary room, string server, CancellationToken cancellationToken)
    {
        if (room.Version is not { } version) return false;
        var knockable = (version.KnockJoinRule && room.JoinRule == JoinRules.Knock) || (version.KnockRestrictedJoinRule && room.JoinRule == JoinRules.KnockRestricted);
        if (room.JoinRule == JoinRules.Public || knockable || room.WorldReadable) return true;
        if (await servers.HasJoinedMemberAsync(db, room.RoomId, server, cancellationToken)) return true;
        var suffix = ":" + server;
        var allowed = room.AllowedRoomIds;
        return allowed.Count > 0 && await db.RoomMemberships.AsNoTracking()
            .AnyAsync(m => allowed.Contains(m.RoomId) && m.Membership == Memberships.Join && m.UserId.EndsWith(suffix), cancellationToken);
    }
}
