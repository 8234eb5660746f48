using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Rooms.Directory;

/// <summary>The published room directory's filter (POST /publicRooms).</summary>
public sealed record PublicRoomsFilter(string? GenericSearchTerm, IReadOnlyList<string?>? RoomTypes);

/// <summary>
/// GET and POST /publicRooms on this server. <paramref name="NoRooms"/>: answer an empty list.
/// <paramref name="ThirdPartyInstanceId"/> ("appservice ID|network ID") lists the rooms an application service published
/// for that network instead of the main list; <paramref name="IncludeAllNetworks"/> lists both.
/// </summary>
public sealed record ListPublicRooms(int? Limit, string? Since, PublicRoomsFilter? Filter, bool NoRooms, string? ThirdPartyInstanceId = null,
    bool IncludeAllNetworks = false) : IQuery<JsonObject>;

/// <summary>
/// Lists the published rooms with at least one joined member, largest first (then by room ID, so the
/// order is stable), filtered by a case-insensitive search over name, topic and canonical alias and
/// by room type. Pages are positions in that order: "n&lt;i&gt;" starts at i, "p&lt;i&gt;" ends before i.
/// </summary>
public sealed class PublicRoomListHandler(HomeserverDbContext db, RoomSummaries summaries) : IQueryHandler<ListPublicRooms, JsonObject>
{
    /// <summary>The largest page, also used when the client sets no limit.</summary>
    public const int MaxLimit = 500;

    public async ValueTask<JsonObject> Handle(ListPublicRooms query, CancellationToken cancellationToken)
    {
        var limit = query.Limit is null or 0 ? MaxLimit : Math.Min(query.Limit.Value, MaxLimit);
        if (limit < 0) throw MatrixException.InvalidParam("limit must not be negative");
        var (forward, position) = ParseSince(query.Since);
        if (query.NoRooms) return new JsonObject { ["chunk"] = new JsonArray(), ["total_room_count_estimate"] = 0 };

        var published = await PublishedAsync(query, cancellationToken);
        var rooms = (await summaries.LoadAsync(db, published, cancellationToken)).Values
            .Where(s => s.NumJoinedMembers > 0 && Matches(s, query.Filter))
            .OrderByDescending(s => s.NumJoinedMembers).ThenBy(s => s.RoomId, StringComparer.Ordinal)
            .ToList();

        var start = forward ? Math.Min(position, rooms.Count) : Math.Max(0, Math.Min(position, rooms.Count) - limit);
        var end = forward ? Math.Min(rooms.Count, start + limit) : Math.Min(position, rooms.Count);
        var result = new JsonObject
        {
            ["chunk"] = new JsonArray([.. rooms.Skip(start).Take(end - start).Select(s => s.ToChunk())]),
            ["total_room_count_estimate"] = rooms.Count,
        };
        if (end < rooms.Count) result["next_batch"] = "n" + end.ToString(CultureInfo.InvariantCulture);
        if (start > 0) result["prev_batch"] = "p" + start.ToString(CultureInfo.InvariantCulture);
        return result;
    }

    private async Task<List<string>> PublishedAsync(ListPublicRooms query, CancellationToken cancellationToken)
    {
        var networks = db.Set<AppServiceRoomListEntry>().AsNoTracking();
        if (query.IncludeAllNetworks)
        {
            var main = await db.Rooms.AsNoTracking().Where(r => r.IsPublic).Select(r => r.RoomId).ToListAsync(cancellationToken);
            return [.. main.Union(await networks.Select(e => e.RoomId).ToListAsync(cancellationToken), StringComparer.Ordinal)];
        }

        if (query.ThirdPartyInstanceId is { } instance)
        {
            var bar = instance.IndexOf('|', StringComparison.Ordinal);
            // Not one of ours (they are "appservice ID|network ID"): a network with no rooms.
            if (bar <= 0) return [];
            var (appServiceId, networkId) = (instance[..bar], instance[(bar + 1)..]);
            return await networks.Where(e => e.AppServiceId == appServiceId && e.NetworkId == networkId).Select(e => e.RoomId).Distinct().ToListAsync(cancellationToken);
        }

        return await db.Rooms.AsNoTracking().Where(r => r.IsPublic).Select(r => r.RoomId).ToListAsync(cancellationToken);
    }

    private static (bool Forward, int Position) ParseSince(string? since)
    {
        if (since is null) return (true, 0);
        if (since.Length > 1 && since[0] is 'n' or 'p'
            && int.TryParse(since.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return (since[0] == 'n', position);
        }

        throw MatrixException.InvalidParam($"Unknown pagination token '{since}'");
    }

    private static bool Matches(RoomSummary room, PublicRoomsFilter? filter)
    {
        if (filter?.RoomTypes is { } types && !types.Contains(room.RoomType)) return false;
        if (filter?.GenericSearchTerm is not { Length: > 0 } term) return true;
        return Contains(room.Name, term) || Contains(room.Topic, term) || Contains(room.CanonicalAlias, term);
    }

    private static bool Contains(string? text, string term) => text is not null && text.Contains(term, StringComparison.OrdinalIgnoreCase);
}
