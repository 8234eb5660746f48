using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.UserDirectory;

/// <summary>Searches the users <paramref name="Searcher"/> may discover, as Synapse does by default.</summary>
public sealed record SearchUsers(string Searcher, string Term, int Limit) : IQuery<JsonObject>;

/// <summary>
/// The user directory: users who share a joined room with the searcher, and users joined to public
/// rooms (join rule public, or world-readable history), the searcher included only through the latter. The term matches case-insensitively anywhere
/// in the user ID or display name. Built from current memberships at query time, so it needs no
/// separate index to keep in step; the candidate scan is bounded.
/// </summary>
public sealed class SearchUsersHandler(HomeserverDbContext db, RoomSummaries summaries) : IQueryHandler<SearchUsers, JsonObject>
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    /// <summary>Membership rows read per search: enough for any page, bounded for a common term.</summary>
    private const int CandidateRows = 2000;

    public async ValueTask<JsonObject> Handle(SearchUsers query, CancellationToken cancellationToken)
    {
        var pattern = "%" + EscapeLike(query.Term.Trim().ToLowerInvariant()) + "%";
        var candidates = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.Membership == Memberships.Join
                && (EF.Functions.Like(m.UserId.ToLower(), pattern, "\\") || EF.Functions.Like(m.DisplayName!.ToLower(), pattern, "\\")))
            .OrderBy(m => m.UserId).Take(CandidateRows)
            .Select(m => new { m.UserId, m.RoomId, m.DisplayName, m.AvatarUrl })
            .ToListAsync(cancellationToken);

        var shared = (await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == query.Searcher && m.Membership == Memberships.Join)
            .Select(m => m.RoomId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        // Searchers share no room with themselves (as in Synapse): they find themselves through public rooms only.
        bool SharedWithSearcher(string userId, string roomId) => userId != query.Searcher && shared.Contains(roomId);
        var otherRooms = candidates.Where(c => !SharedWithSearcher(c.UserId, c.RoomId)).Select(c => c.RoomId).Distinct().ToList();
        var publicRooms = (await summaries.LoadAsync(db, otherRooms, cancellationToken)).Values
            .Where(s => s.JoinRule == "public" || s.WorldReadable).Select(s => s.RoomId).ToHashSet(StringComparer.Ordinal);

        var visible = candidates
            .Where(c => SharedWithSearcher(c.UserId, c.RoomId) || publicRooms.Contains(c.RoomId))
            .GroupBy(c => c.UserId, StringComparer.Ordinal)
            .Select(g => (User: g.First(), SharesRoom: g.Any(c => SharedWithSearcher(c.UserId, c.RoomId))))
            .OrderByDescending(u => u.SharesRoom)
            .ThenBy(u => u.User.UserId, StringComparer.Ordinal)
            .ToList();

        // Local users' global profiles win over whatever a room's member event says.
        var page = visible.Take(query.Limit).Select(u => u.User).ToList();
        var pageIds = page.Select(u => u.UserId).ToList();
        var profiles = await db.Users.AsNoTracking().Where(u => pageIds.Contains(u.UserId))
            .ToDictionaryAsync(u => u.UserId, u => (u.DisplayName, u.AvatarUrl), StringComparer.Ordinal, cancellationToken);

        var results = new JsonArray();
        foreach (var user in page)
        {
            var (name, avatar) = profiles.TryGetValue(user.UserId, out var p) ? p : (user.DisplayName, user.AvatarUrl);
            var entry = new JsonObject { ["user_id"] = user.UserId };
            if (name is not null) entry["display_name"] = name;
            if (avatar is not null) entry["avatar_url"] = avatar;
            results.Add(entry);
        }

        return new JsonObject { ["results"] = results, ["limited"] = visible.Count > query.Limit || candidates.Count == CandidateRows };
    }

    private static string EscapeLike(string term) =>
        term.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
