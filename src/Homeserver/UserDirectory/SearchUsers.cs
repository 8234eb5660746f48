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

    /// <summary>Users whose rooms are checked for being public at a time, until the page is full.</summary>
    private const int PublicCheckUsers = 50;

    private sealed record Candidate(string UserId, string RoomId, string? DisplayName, string? AvatarUrl);

    public async ValueTask<JsonObject> Handle(SearchUsers query, CancellationToken cancellationToken)
    {
        var pattern = "%" + EscapeLike(query.Term.Trim().ToLowerInvariant()) + "%";
        var candidates = await db.RoomMemberships.AsNoTracking()
            .Where(m => m.Membership == Memberships.Join
                && (EF.Functions.Like(m.UserId.ToLower(), pattern, "\\") || EF.Functions.Like(m.DisplayName!.ToLower(), pattern, "\\")))
            .OrderBy(m => m.UserId).Take(CandidateRows)
            .Select(m => new Candidate(m.UserId, m.RoomId, m.DisplayName, m.AvatarUrl))
            .ToListAsync(cancellationToken);

        var shared = (await db.RoomMemberships.AsNoTracking()
            .Where(m => m.UserId == query.Searcher && m.Membership == Memberships.Join)
            .Select(m => m.RoomId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        // Searchers share no room with themselves (as in Synapse): they find themselves through public rooms only.
        bool SharedWithSearcher(string userId, string roomId) => userId != query.Searcher && shared.Contains(roomId);

        // Users sharing a room come first; the others, in user ID order, only through a public room. Whether a room is
        // public takes a read, so only as many of the others' rooms are looked at as fill the page (and one more, for `limited`).
        var visible = new List<(string UserId, string? DisplayName, string? AvatarUrl)>();
        var others = new List<IGrouping<string, Candidate>>();
        foreach (var user in candidates.GroupBy(c => c.UserId, StringComparer.Ordinal))
        {
            if (user.FirstOrDefault(c => SharedWithSearcher(c.UserId, c.RoomId)) is { } row) visible.Add((row.UserId, row.DisplayName, row.AvatarUrl));
            else others.Add(user);
        }

        foreach (var chunk in others.Chunk(PublicCheckUsers))
        {
            if (visible.Count > query.Limit) break;
            var publicRooms = (await summaries.LoadAsync(db, [.. chunk.SelectMany(u => u.Select(c => c.RoomId))], cancellationToken)).Values
                .Where(s => s.JoinRule == "public" || s.WorldReadable).Select(s => s.RoomId).ToHashSet(StringComparer.Ordinal);
            foreach (var user in chunk)
            {
                if (user.FirstOrDefault(c => publicRooms.Contains(c.RoomId)) is { } row) visible.Add((row.UserId, row.DisplayName, row.AvatarUrl));
            }
        }

        // Local users' global profiles win over whatever a room's member event says.
        var page = visible.Take(query.Limit).ToList();
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
