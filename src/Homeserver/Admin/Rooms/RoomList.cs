using System.Text.Json.Nodes;
using Matrix.Homeserver.Storage;

namespace Matrix.Homeserver.Admin.Rooms;

/// <summary>GET /_synapse/admin/v1/rooms: its query parameters, as Synapse reads them.</summary>
public sealed record RoomListQuery(int From, int Limit, string OrderBy, bool Backwards, string? SearchTerm)
{
    public static readonly string[] OrderByValues =
    [
        "alphabetical", "size", "name", "canonical_alias", "joined_members", "joined_local_members", "version", "creator", "encryption",
        "federatable", "public", "join_rules", "guest_access", "history_visibility", "state_events",
    ];

    public static RoomListQuery Parse(HttpRequest request) => new(
        AdminParams.NonNegative(request, "from", 0),
        AdminParams.NonNegative(request, "limit", 100),
        AdminParams.Choice(request, "order_by", OrderByValues, "name"),
        AdminParams.Backwards(request),
        AdminParams.Text(request, "search_term"));
}

/// <summary>
/// Lists rooms a page at a time, in Synapse's orders (counts and versions largest first, the rest
/// ascending; dir=b reverses; ties by room ID). Names and aliases live in state events, so the
/// summaries of all rooms are loaded and sorted in memory: a request costs O(rooms), fine for an
/// admin tool; a materialized stats table would be the step beyond some hundred thousand rooms.
/// </summary>
public static class RoomList
{
    public static async Task<JsonObject> PageAsync(HomeserverDbContext db, string serverName, RoomListQuery query, CancellationToken cancellationToken)
    {
        IEnumerable<RoomAdminSummary> rooms = await RoomAdminSummary.LoadAsync(db, serverName, onlyRoomId: null, cancellationToken);
        if (query.SearchTerm is { } term) rooms = rooms.Where(r => Matches(r, term));
        var (key, descending) = SortKey(query.OrderBy);
        if (query.Backwards) descending = !descending;
        var sorted = (descending ? rooms.OrderByDescending(key, KeyComparer.Instance) : rooms.OrderBy(key, KeyComparer.Instance))
            .ThenBy(r => r.RoomId, StringComparer.Ordinal)
            .ToList();

        var page = sorted.Skip(query.From).Take(query.Limit).ToList();
        var result = new JsonObject
        {
            ["rooms"] = new JsonArray(page.Select(r => (JsonNode)r.ToListEntry()).ToArray()),
            ["offset"] = query.From,
            ["total_rooms"] = sorted.Count,
        };
        if (query.From + page.Count < sorted.Count) result["next_batch"] = query.From + page.Count;
        if (query.From > 0) result["prev_batch"] = Math.Max(0, query.From - query.Limit);
        return result;
    }

    /// <summary>As Synapse: the term anywhere in the name, canonical alias or room ID, ignoring case.</summary>
    private static bool Matches(RoomAdminSummary room, string term) =>
        room.RoomId.Contains(term, StringComparison.OrdinalIgnoreCase)
        || (room.Name?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false)
        || (room.CanonicalAlias?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false);

    private static (Func<RoomAdminSummary, IComparable?> Key, bool Descending) SortKey(string orderBy) => orderBy switch
    {
        "size" or "joined_members" => (r => r.JoinedMembers, true),
        "joined_local_members" => (r => r.JoinedLocalMembers, true),
        "state_events" => (r => r.StateEvents, true),
        "version" => (r => r.Version, true),
        "canonical_alias" => (r => r.CanonicalAlias, false),
        "creator" => (r => r.Creator, false),
        "encryption" => (r => r.Encryption, false),
        "federatable" => (r => r.Federatable, false),
        "public" => (r => r.IsPublic, false),
        "join_rules" => (r => r.JoinRules, false),
        "guest_access" => (r => r.GuestAccess, false),
        "history_visibility" => (r => r.HistoryVisibility, false),
        _ => (r => r.Name, false),
    };

    /// <summary>Text compares by code point (as the databases' binary collations do), nulls first, other keys by their own order.</summary>
    private sealed class KeyComparer : IComparer<IComparable?>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(IComparable? x, IComparable? y) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string a, string b) => string.CompareOrdinal(a, b),
            _ => x.CompareTo(y),
        };
    }
}
